"""Serve JT/T 808 vehicle terminals over TCP (park.jt808): registration, authentication with
the device's token, location reports into the positions door. `make run` keeps it running
under scripts/supervise.sh, as the MQTT ingester (var/jt808.log)."""

import asyncio
import signal

from django.conf import settings
from django.core.management.base import BaseCommand

from park import jt808


class Command(BaseCommand):
    help = "Accept JT/T 808 vehicle terminals over TCP and store their positions."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=settings.JT808_HOST)
        parser.add_argument("--port", type=int, default=settings.JT808_PORT)

    def handle(self, *args, **opts):
        asyncio.run(self._main(opts["host"], opts["port"]))

    async def _main(self, host, port):
        loop = asyncio.get_running_loop()
        server = asyncio.create_task(jt808.serve(host, port))
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        self.stdout.write(f"JT/T 808 on {host}:{port}")
        self.stdout.flush()
        done, _pending = await asyncio.wait([server, asyncio.create_task(stop.wait())],
                                            return_when=asyncio.FIRST_COMPLETED)
        server.cancel()
        for task in done:
            if task is server and not task.cancelled() and task.exception():
                raise task.exception()
