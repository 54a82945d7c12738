"""The stream events of public warnings, declared once (core.events).

alert.issued / alert.updated / alert.cancelled: {"id", "identifier", "msg_type", "status", "level",
  "event", "headline", "area_description", "effective", "expires", "sent", "references", "incident", "exercise"}
"""

from typing import TypedDict

import stream
from core import events


class AlertPayload(TypedDict):
    id: int
    identifier: str
    msg_type: str
    status: str
    level: str
    event: str
    headline: str
    area_description: str
    effective: str | None
    expires: str | None
    sent: str | None
    references: str
    incident: int | None
    exercise: bool


def alert_payload(alert) -> dict:
    return {
        "id": alert.pk, "identifier": alert.identifier, "msg_type": alert.msg_type, "status": alert.status,
        "level": alert.level, "event": alert.event, "headline": alert.headline,
        "area_description": alert.area_description, "effective": alert.effective, "expires": alert.expires,
        "sent": alert.sent, "references": alert.references, "incident": alert.incident_id,
        "exercise": alert.exercise,
    }


def _console(_alert) -> list[str]:
    return [stream.CONSOLE]


ALERT_ISSUED = events.register("alert.issued", audiences=_console, payload=alert_payload, schema=AlertPayload,
                               doc="A public warning was issued (CAP Alert).")
ALERT_UPDATED = events.register("alert.updated", audiences=_console, payload=alert_payload, schema=AlertPayload,
                                doc="A public warning was updated (CAP Update).")
ALERT_CANCELLED = events.register("alert.cancelled", audiences=_console, payload=alert_payload, schema=AlertPayload,
                                  doc="A public warning was cancelled (CAP Cancel).")
