"""The stream events of park monitoring, declared once (core.events). Payload: monitoring.payloads."""

from core import events, stream
from monitoring.payloads import alarm_payload


def _console_and_duty(_alarm, _change="raised") -> list[str]:
    return [stream.CONSOLE, stream.DUTY]


def _payload(alarm, change="raised") -> dict:
    return alarm_payload(alarm, change=change)


ALARM_RAISED = events.register(
    "alarm.raised", audiences=_console_and_duty, payload=_payload,
    doc="A monitoring point's value stayed beyond a limit for its on-delay, or its instrument failed "
        "(level fault/offline): every console rings.")
ALARM_UPDATED = events.register(
    "alarm.updated", audiences=_console_and_duty, payload=_payload,
    doc="An alarm escalated (H→HH), was acknowledged, cleared, got an incident, or was sent to the "
        "officers on duty and the point's responsible persons (payload `change` says which).")
