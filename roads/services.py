"""Writes to the road network: importing lines as edges, and rebuilding the junctions.

An imported line is cut into one edge per segment between its vertices, long segments first
divided so that no edge is longer than SEGMENT_MAX_M: any point on a road is then near a node,
where a route starts (roads.routing snaps to nodes). Lines that share a vertex meet there (a
junction); lines that cross without one stay apart, as a bridge over a road does.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.gis.geos import LineString
from django.db import connection, transaction

from roads.models import RoadClass, RoadEdge

GRID = 1e-7  # degrees (≈ 1 cm): two end points this close are one junction
SEGMENT_MAX_M = 100


@dataclass(frozen=True)
class EdgeInput:
    geometry: LineString  # SRID 4326
    name: str = ""
    road_class: str = RoadClass.TERTIARY
    speed_limit_kmh: int | None = None
    hazmat_allowed: bool = False
    oneway: bool = False


@transaction.atomic
def edges_import(*, lines: Iterable[EdgeInput], origin: str = "", replace: bool = False) -> int:
    """Store the lines as edges (split at shared vertices) and rebuild the junctions. With
    `replace`, the edges imported from the same `origin` before go first. Returns the edges made."""
    lines = [line for line in lines if len(line.geometry.coords) >= 2]
    if replace:
        RoadEdge.objects.filter(origin=origin).delete()
    edges = []
    for line in lines:
        for piece in _pieces(line.geometry.coords):
            edges.append(RoadEdge(name=line.name[:200], road_class=line.road_class,
                                  speed_limit_kmh=line.speed_limit_kmh, hazmat_allowed=line.hazmat_allowed,
                                  oneway=line.oneway, geometry=LineString(piece, srid=4326), origin=origin[:100]))
    RoadEdge.objects.bulk_create(edges, batch_size=2000)
    network_rebuild()
    return len(edges)


def network_rebuild() -> int:
    """Number the junctions from the edges' end points and write each edge's source, target
    and length (metres on the spheroid). Returns the number of nodes. Idempotent."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE roads_roadnode IN EXCLUSIVE MODE")
        cursor.execute("DELETE FROM roads_roadnode")
        cursor.execute(f"""
            WITH ends AS (
                SELECT ST_SnapToGrid(ST_StartPoint(geometry), {GRID}) AS p, hazmat_allowed FROM roads_roadedge
                UNION ALL
                SELECT ST_SnapToGrid(ST_EndPoint(geometry), {GRID}), hazmat_allowed FROM roads_roadedge)
            INSERT INTO roads_roadnode (id, location, hazmat)
            SELECT row_number() OVER (ORDER BY ST_X(p), ST_Y(p)), p, bool_or(hazmat_allowed)
            FROM ends GROUP BY p""")
        cursor.execute(f"""
            UPDATE roads_roadedge e SET source = s.id, target = t.id,
                   length_m = ST_Length(e.geometry::geography)
            FROM roads_roadnode s, roads_roadnode t
            WHERE ST_AsBinary(s.location) = ST_AsBinary(ST_SnapToGrid(ST_StartPoint(e.geometry), {GRID}))
              AND ST_AsBinary(t.location) = ST_AsBinary(ST_SnapToGrid(ST_EndPoint(e.geometry), {GRID}))""")
        cursor.execute("SELECT count(*) FROM roads_roadnode")
        count = cursor.fetchone()[0]
    return count


def _key(xy) -> tuple[int, int]:
    return round(xy[0] / GRID), round(xy[1] / GRID)


def _pieces(coords) -> list[tuple]:
    """(a, b) segments of the line, each at most SEGMENT_MAX_M long (evenly divided)."""
    pieces = []
    for a, b in zip(coords, coords[1:], strict=False):
        if _key(a) == _key(b):
            continue
        parts = max(1, math.ceil(_metres(a, b) / SEGMENT_MAX_M))
        points = [(a[0] + (b[0] - a[0]) * k / parts, a[1] + (b[1] - a[1]) * k / parts) for k in range(parts + 1)]
        pieces += list(zip(points, points[1:], strict=False))
    return pieces


def _metres(a, b) -> float:
    lat = math.radians((a[1] + b[1]) / 2)
    return math.hypot((b[0] - a[0]) * 111320 * math.cos(lat), (b[1] - a[1]) * 110540)
