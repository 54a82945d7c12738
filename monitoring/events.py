"""The stream events of park monitoring, declared once (core.events). Payload: monitoring.payloads."""

import stream
from core import events
from monitoring.payloads import AlarmPayload, alarm_payload


def alarm_audiences(alarm, _change="raised", people=()) -> list[str]:
    """Everyone who must act hears an alarm where they work (issue 21.5): every console, the
    officers on duty, the park's safety supervisors, the officers of the enterprise whose risk
    source it is (only theirs), and `people` (the point's responsible persons, on escalation).
    The one place that says who hears an alarm: services publish with (alarm, change, people)."""
    audiences = [stream.CONSOLE, stream.DUTY, stream.SAFETY]
    source = alarm.point.risk_source
    if source is not None:
        audiences.append(stream.audience_enterprise(source.enterprise_id))
    return [*audiences, *(stream.audience_user(uid) for uid in people)]


def _payload(alarm, change="raised", _people=()) -> dict:
    return alarm_payload(alarm, change=change)


ALARM_RAISED = events.register(
    "alarm.raised", audiences=alarm_audiences, payload=_payload, schema=AlarmPayload,
    doc="A monitoring point's value stayed beyond a limit for its on-delay, or its instrument failed "
        "(level fault/offline): every console rings.")
ALARM_UPDATED = events.register(
    "alarm.updated", audiences=alarm_audiences, payload=_payload, schema=AlarmPayload,
    doc="An alarm escalated (H→HH), was acknowledged, cleared, got an incident, or was sent to the "
        "officers on duty and the point's responsible persons (payload `change` says which).")
