"""The stream events of hazards, declared once (core.events)."""

import stream
from core import events

ZONE_CREATED = events.register(
    "zone.created",
    audiences=lambda zone, release, incident_id=None: [stream.CONSOLE],
    payload="hazards.services.zone_payload",
    doc="A modelled release drew a threat zone (one event per level of concern).")
