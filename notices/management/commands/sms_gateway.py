"""Run the loopback SMS gateway (Kannel + fakesmsc as the carrier): notices.kannel.

`make run` starts it when SMS_GATEWAY_URL is unset. Runs until stopped (SIGTERM/Ctrl-C)."""

import signal
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from notices import kannel


class Command(BaseCommand):
    help = "Run Kannel (bearerbox + smsbox) with fakesmsc as the carrier on loopback, for notices by SMS."

    def add_arguments(self, parser):
        parser.add_argument("--dir", default="", help="working directory (config, store, logs)")

    def handle(self, *args, **options):
        if not settings.SMS_GATEWAY_LOCAL:
            raise CommandError("SMS_GATEWAY_URL is set: the notices use that gateway, not a local one.")
        if not kannel.binaries_present():
            raise CommandError("Kannel is not installed: apt-get install kannel kannel-extras (scripts/bootstrap.sh).")
        base = settings.SMS_LOCAL_PORT_BASE
        if kannel.listening(base + 3):
            raise CommandError(f"Something already listens on {base + 3} (another gateway?).")
        directory = Path(options["dir"] or settings.BASE_DIR / "var" / f"kannel-{base}")
        config = kannel.write_config(directory=directory, base=base, callback_base=settings.SMS_CALLBACK_BASE,
                                     secret=settings.SMS_CALLBACK_SECRET, user=settings.SMS_GATEWAY_USER,
                                     password=settings.SMS_GATEWAY_PASSWORD, rate=settings.SMS_RATE)
        gateway = kannel.Gateway(directory=directory, base=base, config=config)
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
        gateway.start()
        self.stdout.write(f"SMS gateway up: sendsms on 127.0.0.1:{base + 3}, carrier log {directory}/carrier.log")
        try:
            while not stopping:
                time.sleep(1)
                gateway.check()
        except KeyboardInterrupt:
            pass
        finally:
            gateway.stop()
