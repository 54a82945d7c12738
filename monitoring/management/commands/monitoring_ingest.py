"""Run one MQTT ingester (monitoring.ingest). Start several for more throughput: they share
the load through the MQTT v5 shared subscription. Each has its own --instance (1, 2, …): its
client id, derived from the instance and a secret of this install, stays the same across
restarts, so the broker holds its session (and messages) while it is down, and nobody can
guess it to take the session over."""

import asyncio
import logging
import os
import signal

from django.conf import settings
from django.core.management.base import BaseCommand

from core import mqtt
from monitoring.ingest import Ingester, default_client_id

log = logging.getLogger("monitoring.ingest")


class Command(BaseCommand):
    help = "Subscribe to the park's MQTT topics and store readings, raising alarms."

    def add_arguments(self, parser):
        parser.add_argument("--url", default=settings.MQTT_URL)
        parser.add_argument("--prefix", default=settings.MQTT_TOPIC_PREFIX)
        parser.add_argument("--group", default=settings.MQTT_SHARE_GROUP,
                            help="shared subscription group; empty for a plain subscription")
        parser.add_argument("--instance", default=os.environ.get("INGEST_INSTANCE", "1"),
                            help="this ingester's name among the install's (systemd: %%i)")
        parser.add_argument("--client-id", default=None, help="default: derived from --instance (see above)")
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument("--batch-readings", type=int, default=2000, help="readings at most in a batch")
        parser.add_argument("--batch-wait", type=float, default=0.1, help="seconds at most to gather a batch")
        parser.add_argument("--stats-every", type=float, default=60, help="seconds between counter log lines")

    def handle(self, *args, **opts):
        asyncio.run(self._main(opts))

    async def _main(self, opts):
        opts["client_id"] = opts["client_id"] or default_client_id(opts["instance"])
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        ingester = Ingester(url=opts["url"], prefix=opts["prefix"], group=opts["group"] or None,
                            client_id=opts["client_id"], batch_size=opts["batch_size"],
                            batch_readings=opts["batch_readings"], batch_wait_s=opts["batch_wait"])

        async def stats():
            while not stop.is_set():
                try:
                    await asyncio.wait_for(stop.wait(), opts["stats_every"])
                except TimeoutError:
                    self.stdout.write(ingester.counters.line())

        self.stdout.write(f"ingesting from {mqtt.safe(opts['url'])} as instance {opts['instance']}")
        reporter = asyncio.create_task(stats())
        await ingester.run(stop)
        reporter.cancel()
        self.stdout.write("stopped: " + ingester.counters.line())
