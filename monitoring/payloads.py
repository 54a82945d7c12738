"""Stream payloads of alarm events (`alarm.raised`, `alarm.updated`), documented in one place.

`change` says what happened: raised, escalated (a worse level), acknowledged, cleared,
incident (one was logged from the alarm), escalated_to_people (the HH job ran).
"""

from typing import Any, Literal, TypedDict

from django.urls import reverse

from core.schemas import GeoJSONPoint


class AlarmPoint(TypedDict):
    id: int
    code: str
    name: str
    kind: str
    unit: str
    state: str
    limits: dict[str, Any]
    location: list[float]  # [lon, lat]


class AlarmRiskSource(TypedDict):
    id: int
    code: str
    name: str


class AlarmPayload(TypedDict):
    """alarm.raised, alarm.updated."""

    id: int
    change: Literal["raised", "escalated", "acknowledged", "cleared", "incident", "escalated_to_people"]
    level: str
    state: str
    exercise: bool
    raised_at: str
    cleared_at: str | None
    peak_value: float | None
    acknowledged_by: str | None
    escalations: int
    incident: int | None
    release_url: str | None
    point: AlarmPoint
    risk_source: AlarmRiskSource | None
    location: GeoJSONPoint


def release_url(alarm) -> str | None:
    """The console map with the release model filled in from the alarm's incident: the
    incident's own chemical (never a default one), the incident, the risk source. None while
    the alarm has no incident, or its incident no chemical."""
    if not alarm.incident_id or not alarm.incident.chemical_id:
        return None
    return reverse("map:map") + "?" + alarm.incident.release_model_query()


def alarm_payload(alarm, *, change: str) -> dict:
    point = alarm.point
    source = point.risk_source
    location = (source.location if source else point.location)
    return {
        "id": alarm.pk,
        "change": change,
        "level": alarm.level,
        "state": alarm.state,
        "exercise": alarm.exercise,
        "raised_at": alarm.raised_at,
        "cleared_at": alarm.cleared_at,
        "peak_value": alarm.peak_value,
        "acknowledged_by": alarm.acknowledged_by.get_username() if alarm.acknowledged_by_id else None,
        # How often the HH escalation job sent it on unacknowledged: consoles mark it escalated.
        "escalations": alarm.escalations,
        "incident": alarm.incident_id,
        "release_url": release_url(alarm),
        "point": {"id": point.pk, "code": point.code, "name": point.name, "kind": point.kind, "unit": point.unit,
                  "state": point.state, "limits": point.limits,
                  "location": [round(point.location.x, 6), round(point.location.y, 6)]},
        "risk_source": {"id": source.pk, "code": source.code, "name": source.name} if source else None,
        "location": {"type": "Point", "coordinates": [round(location.x, 6), round(location.y, 6)]},
    }
