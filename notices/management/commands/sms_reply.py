"""`manage.py sms_reply <number> <text>`: send an SMS into the system through the gateway, as
that phone would (e.g. `sms_reply 13800000001 收到` confirms that person's latest notice)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from notices import kannel, phones


class Command(BaseCommand):
    help = "Send an SMS reply into the system through the local gateway, as that phone would."

    def add_arguments(self, parser):
        parser.add_argument("number")
        parser.add_argument("text")

    def handle(self, *args, **options):
        if not settings.SMS_GATEWAY_LOCAL:
            raise CommandError("SMS_GATEWAY_URL points at a real gateway: reply from a real phone.")
        try:
            number = phones.normalise_mobile(options["number"])
        except DomainError as exc:
            raise CommandError(str(exc.message)) from None
        try:
            kannel.phone_reply(base=settings.SMS_LOCAL_PORT_BASE, sender=number, text=options["text"],
                               to=settings.SMS_SENDER)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Sent from {phones.mask(number)} through the gateway.")
