"""The stream events of hazards, declared once (core.events)."""

from typing import TypedDict

import stream
from core import events
from core.schemas import GeoJSONPolygon


class ChemicalRef(TypedDict):
    cas: str
    name: str
    name_en: str


class ZonePayload(TypedDict):
    id: int
    release: int
    incident: int | None
    exercise: bool
    chemical: ChemicalRef
    level: str
    threshold_ppm: float
    distance_m: float
    geometry: GeoJSONPolygon


ZONE_CREATED = events.register(
    "zone.created",
    audiences=lambda zone, release, incident_id=None: [stream.CONSOLE],
    payload="hazards.services.zone_payload", schema=ZonePayload,
    doc="A modelled release drew a threat zone (one event per level of concern).")
