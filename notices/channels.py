"""Channels: how a receipt leaves (DESIGN: Reaching people). Each adapter says whom it can reach
and sends one receipt; the way back (delivery reports, replies) arrives as HTTP calls from the
gateway (notices.gateway_views) and updates receipts through notices.services.

A send raises TemporaryFailure when it should be tried again later (gateway down: the job is
retried, the message waits) and PermanentFailure when it never will work (the receipt fails
with the reason)."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings


class TemporaryFailure(Exception):
    pass


class PermanentFailure(Exception):
    pass


class AppChannel:
    name = "app"

    def configured(self) -> bool:
        return True

    def can_reach(self, *, user_id, mobile) -> bool:
        return bool(user_id)

    def send(self, receipt) -> str:
        # The stream event is written by the service in the job's transaction (stream.log).
        return ""


class SmsChannel:
    """Kannel's smsbox `sendsms` over HTTP: UCS-2 (coding=2) from UTF-8, concatenated, with a
    `dlr-url` that brings the carrier's reports back to this receipt (notices.gateway_views)."""

    name = "sms"
    # 1 delivered to phone, 2 not delivered to phone, 8 accepted by the SMSC, 16 refused by it.
    DLR_MASK = 1 | 2 | 8 | 16

    def configured(self) -> bool:
        return bool(settings.SMS_GATEWAY_URL)

    def can_reach(self, *, user_id, mobile) -> bool:
        return bool(mobile)

    def send(self, receipt) -> str:
        dlr_url = (f"{settings.SMS_CALLBACK_BASE.rstrip('/')}/sms/gateway/{settings.SMS_CALLBACK_SECRET}"
                   f"/dlr/{receipt.pk}/?type=%d")
        params = {
            "username": settings.SMS_GATEWAY_USER, "password": settings.SMS_GATEWAY_PASSWORD,
            "from": settings.SMS_SENDER, "to": receipt.mobile, "text": receipt.text,
            "charset": "UTF-8", "coding": "2", "dlr-mask": str(self.DLR_MASK), "dlr-url": dlr_url,
        }
        if settings.SMS_GATEWAY_SMSC:
            params["smsc"] = settings.SMS_GATEWAY_SMSC
        url = settings.SMS_GATEWAY_URL + ("&" if "?" in settings.SMS_GATEWAY_URL else "?") + urllib.parse.urlencode(params)
        try:
            with urllib.request.urlopen(url, timeout=settings.SMS_GATEWAY_TIMEOUT_S) as response:  # noqa: S310
                answer = response.read(500).decode("utf-8", "replace").strip()
        except urllib.error.HTTPError as exc:
            answer = exc.read(500).decode("utf-8", "replace").strip()
            if exc.code >= 500 or exc.code == 429:
                raise TemporaryFailure(f"gateway HTTP {exc.code}: {answer}") from None
            # Kannel answers 4xx for a refused message (bad number, wrong credentials): no retry helps.
            raise PermanentFailure(f"gateway refused (HTTP {exc.code}): {answer}") from None
        except (OSError, urllib.error.URLError) as exc:
            raise TemporaryFailure(f"gateway unreachable: {exc}") from None
        return answer


class VoiceChannel:
    """The plug for calls (SIP with text to speech): nothing is configured in this build, so the
    channel reaches nobody and chasing skips it. An adapter sets VOICE_GATEWAY_URL and
    implements `send` (place a call that reads the text, and report key 1 as a confirmation
    through notices.services.receipt_confirm)."""

    name = "voice"

    def configured(self) -> bool:
        return bool(settings.VOICE_GATEWAY_URL)

    def can_reach(self, *, user_id, mobile) -> bool:
        return self.configured() and bool(mobile)

    def send(self, receipt) -> str:
        raise PermanentFailure("no voice gateway is configured")


ADAPTERS = {"app": AppChannel(), "sms": SmsChannel(), "voice": VoiceChannel()}


def adapter(name: str):
    return ADAPTERS[name]
