"""An appointment's route: on the park's road network (the roads app: pgRouting on the roads
import_gis brought in, open to hazardous goods, closures removed), or, where the district has
no road data yet, a straight line, said as such (`route_basis`), never passed off as a road."""

from __future__ import annotations

import datetime as dt

from django.contrib.gis.geos import LineString, Point

from park.models import HazmatAppointment

Basis = HazmatAppointment.RouteBasis


def _road_router():
    try:
        from roads import routing  # the roads app (issue 24, routing); absent before it is merged
    except ImportError:
        return None
    return routing


def route(*, start: Point, end: Point, at: dt.datetime | None = None) -> tuple[LineString, float, str] | None:
    """(geometry, length in metres, basis), or None when the road network has no way open to
    hazardous goods between the two points at `at`."""
    router = _road_router()
    if router is not None and router.has_network():
        found = router.route_between(start, end, hazmat=True, at=at)
        if found is None:
            return None
        return found.geometry, float(found.length_m), Basis.ROAD
    line = LineString(start.coords, end.coords, srid=4326)
    length = line.transform(3857, clone=True).length * _scale(start.y)
    return line, round(length, 1), Basis.STRAIGHT_LINE


def _scale(lat: float) -> float:
    """Web Mercator stretches lengths by 1/cos(lat)."""
    import math

    return math.cos(math.radians(lat))
