"""What the incidents services share: the status rules, input checks and the events they emit."""

from __future__ import annotations

import math

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point
from django.utils.translation import gettext as _

import stream
from core.errors import DomainError
from core.roles import require_role
from incidents import events
from incidents.models import (
    Assignment,
    Incident,
)
from resources.models import Area, Resource

# reported → dispatched → in progress → contained → closed; a step back is allowed where a
# real incident flares up again (contained → in progress). Anything else is refused.
STATUS_TRANSITIONS = {
    Incident.Status.REPORTED: {Incident.Status.DISPATCHED, Incident.Status.CLOSED},
    Incident.Status.DISPATCHED: {Incident.Status.IN_PROGRESS, Incident.Status.CLOSED},
    Incident.Status.IN_PROGRESS: {Incident.Status.CONTAINED},
    Incident.Status.CONTAINED: {Incident.Status.IN_PROGRESS, Incident.Status.CLOSED},
    Incident.Status.CLOSED: set(),
}

# Which assignment statuses a responder may move to from which.
ASSIGNMENT_STEPS = {
    Assignment.Status.EN_ROUTE: {Assignment.Status.PENDING, Assignment.Status.ACKNOWLEDGED},
    Assignment.Status.ON_SCENE: {Assignment.Status.PENDING, Assignment.Status.ACKNOWLEDGED, Assignment.Status.EN_ROUTE},
    Assignment.Status.CLEARED: set(Assignment.ACTIVE_STATUSES),
}
RESOURCE_STATUS_FOR = {
    Assignment.Status.EN_ROUTE: Resource.Status.EN_ROUTE,
    Assignment.Status.ON_SCENE: Resource.Status.ON_SCENE,
    Assignment.Status.CLEARED: Resource.Status.AVAILABLE,
}


# --- validation helpers ------------------------------------------------------------

def parse_location(lon, lat) -> Point:
    """A WGS 84 point from user input, or a DomainError saying what is wrong with it."""
    try:
        lon_f, lat_f = float(lon), float(lat)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an integer of hundreds of digits
        raise DomainError(_("Coordinates must be numbers: longitude and latitude in decimal degrees.")) from None
    if not (math.isfinite(lon_f) and math.isfinite(lat_f)):
        raise DomainError(_("Coordinates must be finite numbers."))
    if not -180 <= lon_f <= 180:
        raise DomainError(_("Longitude must be between -180 and 180 (got %(lon)s).") % {"lon": lon})
    if not -90 <= lat_f <= 90:
        raise DomainError(_("Latitude must be between -90 and 90 (got %(lat)s).") % {"lat": lat})
    return Point(lon_f, lat_f, srid=4326)


_require = require_role


# Event types, their audiences and payloads are declared once, in incidents.events.
_INCIDENT_EVENTS = {"incident.created": events.INCIDENT_CREATED, "incident.updated": events.INCIDENT_UPDATED}
_ASSIGNMENT_EVENTS = {"assignment.created": events.ASSIGNMENT_CREATED, "assignment.updated": events.ASSIGNMENT_UPDATED}


def _emit_incident(incident: Incident, type_: str) -> None:
    stream.publish(_INCIDENT_EVENTS[type_], incident)


def _emit_assignment(assignment: Assignment, type_: str) -> None:
    stream.publish(_ASSIGNMENT_EVENTS[type_], assignment)


def _emit_resource(resource: Resource, incident: Incident | None) -> None:
    stream.publish(events.RESOURCE_UPDATED, resource, incident)


def district_outside_by_m(location: Point) -> float:
    """How far outside the district a point lies (0 inside or within the boundary's tolerance).

    The boundary is the base map's (places); a district without one falls back to its areas;
    with neither loaded (a blank install, most tests) nothing is refused.
    """
    from places.selectors import BOUNDARY_TOLERANCE_M, district_distance_m

    distance = district_distance_m(location)
    if distance is None and Area.objects.exists():
        nearest = (Area.objects.annotate(d=Distance("boundary", location)).order_by("d").values_list("d", flat=True)
                   .first())
        distance = nearest.m if nearest is not None else None
    return distance if distance and distance > BOUNDARY_TOLERANCE_M else 0.0
