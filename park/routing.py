"""An appointment's route: on the park's road network (roads.routing: pgRouting on the roads
import_gis brought in, open to hazardous goods, closures at the window's start removed), or,
where the district has no road data near the gate or the destination, a straight line said as
such (`route_basis` straight_line), never passed off as a road."""

from __future__ import annotations

import datetime as dt
import math

from django.contrib.gis.geos import LineString, Point
from django.db import connection

from park.models import HazmatAppointment
from roads import routing as roads

Basis = HazmatAppointment.RouteBasis


def _has_roads_near(points: list[Point]) -> bool:
    """Any road junction within the snapping distance of every point (roads.routing.SNAP_MAX_M)."""
    with connection.cursor() as cursor:
        for p in points:
            cursor.execute("SELECT EXISTS (SELECT 1 FROM roads_roadnode WHERE ST_DWithin(location::geography, "
                           "ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography, %s))", [p.x, p.y, roads.SNAP_MAX_M])
            if not cursor.fetchone()[0]:
                return False
    return True


def route(*, start: Point, end: Point, at: dt.datetime | None = None) -> tuple[LineString, float, str] | None:
    """(geometry, length in metres, basis), or None when the road network near both points has
    no way open to hazardous goods between them at `at`."""
    if _has_roads_near([start, end]):
        found = roads.route_between(start, end, hazmat=True, at=at)
        if found is None:
            return None
        return found.geometry, float(found.length_m), Basis.ROAD
    line = LineString(start.coords, end.coords, srid=4326)
    lat0 = math.radians((start.y + end.y) / 2)
    length = math.hypot((end.x - start.x) * 111_320 * math.cos(lat0), (end.y - start.y) * 110_574)
    return line, round(length, 1), Basis.STRAIGHT_LINE


def speed_limits(points: list[tuple[float, float]]) -> list[int | None]:
    """The speed limit (km/h) of the road nearest each (lon, lat) within 50 m: its own limit,
    else its class's usual one (roads.routing.CLASS_LIMIT_KMH); None off the road network. One
    statement for a whole batch."""
    if not points:
        return []
    cases = " ".join(f"WHEN '{cls}' THEN {int(kmh)}" for cls, kmh in roads.CLASS_LIMIT_KMH.items())
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT (SELECT coalesce(e.speed_limit_kmh, CASE e.road_class {cases} ELSE NULL END)
                    FROM roads_roadedge e
                    WHERE ST_DWithin(e.geometry, q.p, 0.0005)
                    ORDER BY e.geometry <-> q.p LIMIT 1)
            FROM unnest(%s::float8[], %s::float8[]) WITH ORDINALITY AS u(x, y, i)
            CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(u.x, u.y), 4326) AS p) q
            ORDER BY u.i
            """, [[p[0] for p in points], [p[1] for p in points]])
        return [row[0] for row in cursor.fetchall()]
