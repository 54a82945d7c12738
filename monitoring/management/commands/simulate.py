"""The demo sensor simulator (monitoring.simulator).

    manage.py simulate run                # every demo point, over MQTT, until stopped
    manage.py simulate leak RS01          # ask the running simulator for a leak at RS01
    manage.py simulate leak RS01 --publish  # play the leak here (when SIMULATOR=0)
"""

import asyncio
import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core import mqtt
from monitoring import simulator


class Command(BaseCommand):
    help = "Publish realistic demo readings over MQTT, or stage a leak at a risk source."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["run", "leak"])
        parser.add_argument("source", nargs="?", help="risk source code, for leak (e.g. RS01)")
        parser.add_argument("--seconds", type=float, default=180, help="how long the leak lasts")
        parser.add_argument("--publish", action="store_true", help="play the leak here instead of ordering it")
        parser.add_argument("--url", default=settings.MQTT_URL)
        parser.add_argument("--prefix", default=settings.MQTT_TOPIC_PREFIX)

    def handle(self, *args, **opts):
        if opts["action"] == "run":
            asyncio.run(self._run(opts))
            return
        from hazards.models import RiskSource

        code = opts["source"]
        if not code:
            raise CommandError("Name the risk source: simulate leak RS01")
        if not RiskSource.objects.filter(code=code, monitoring_points__isnull=False).exists():
            raise CommandError(f"No risk source {code!r} with monitoring points (try RS01 … RS09).")
        if opts["publish"]:
            asyncio.run(simulator.play_leak(url=opts["url"], prefix=opts["prefix"], source=code,
                                            seconds=opts["seconds"]))
        else:
            asyncio.run(simulator.order_leak(url=opts["url"], prefix=opts["prefix"], source=code,
                                             seconds=opts["seconds"]))
            self.stdout.write(f"Leak at {code} ordered for {opts['seconds']:.0f} s: watch the console. "
                              "(No simulator running? Add --publish.)")

    async def _run(self, opts):
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        self.stdout.write(f"simulating demo points on {mqtt.safe(opts['url'])} under {opts['prefix']}/points/")
        await simulator.Simulator(url=opts["url"], prefix=opts["prefix"]).run(stop)
