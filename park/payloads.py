"""Payloads of the park's stream events.

`gate.alarm`: {"id", "gate": {"code", "name"}, "plate", "kind", "reason", "state", "raised_at",
"enterprise" (id or null), "location" (GeoJSON Point of the gate)}.
`vehicle.alarm`: {"id", "plate", "kind" (off_route | speeding | stopped), "state", "raised_at",
"cleared_at", "location", "detail", "appointment" (id or null)}.
"""

from typing import TypedDict

from core.geo import point
from core.schemas import GeoJSONPoint


class GateRef(TypedDict):
    code: str
    name: str


class GateAlarmPayload(TypedDict):
    """gate.alarm, as a client receives it."""

    id: int
    gate: GateRef
    plate: str
    kind: str
    kind_label: str
    reason: str
    state: str
    raised_at: str
    enterprise: int | None
    location: GeoJSONPoint | None


class VehicleAlarmPayload(TypedDict):
    """vehicle.alarm, as a client receives it."""

    id: int
    plate: str
    kind: str
    kind_label: str
    state: str
    raised_at: str
    cleared_at: str | None
    location: GeoJSONPoint | None
    detail: str
    appointment: int | None
    enterprise: int | None


def gate_alarm_payload(alarm) -> dict:
    return {"id": alarm.pk, "gate": {"code": alarm.gate.code, "name": alarm.gate.name}, "plate": alarm.plate,
            "kind": alarm.kind, "kind_label": str(alarm.get_kind_display()), "reason": alarm.reason,
            "state": alarm.state, "raised_at": alarm.raised_at.isoformat(), "enterprise": alarm.enterprise_id,
            "location": point(alarm.gate.location)}


def vehicle_alarm_payload(alarm) -> dict:
    return {"id": alarm.pk, "plate": alarm.plate, "kind": alarm.kind, "kind_label": str(alarm.get_kind_display()),
            "state": alarm.state, "raised_at": alarm.raised_at.isoformat(),
            "cleared_at": alarm.cleared_at.isoformat() if alarm.cleared_at else None,
            "location": point(alarm.location), "detail": alarm.detail, "appointment": alarm.appointment_id,
            "enterprise": alarm.enterprise_id}
