"""Routes and travel times on the road network (pgRouting's `pgr_dijkstra` on PostGIS).

The cost of an edge is its travel time: length over speed. A vehicle's route uses the road's
speed limit (or its class's usual speed); a unit's ETA uses the speed an emergency vehicle
keeps on that class of road. One-way edges have no reverse cost; edges closed at the moment
asked (roads.RoadClosure) are left out; a hazardous-goods route keeps to roads open to them.

A start or end joins its nearest junction (at most SEGMENT_MAX_M / 2 away on a road) in a
straight line at CONNECTOR_KMH. When either point is farther than SNAP_MAX_M from any
road, there is no road data there: `eta` answers a straight-line estimate and says so
(`basis` "straight_line"), and `route_between` answers None.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from django.contrib.gis.geos import GEOSGeometry, LineString, Point
from django.db import connection
from django.utils import timezone

from roads.models import RoadClass

ROAD = "road"
STRAIGHT_LINE = "straight_line"

# The usual speed of a road class (km/h) where an edge has no speed limit of its own.
CLASS_LIMIT_KMH = {
    RoadClass.MOTORWAY: 100, RoadClass.TRUNK: 80, RoadClass.PRIMARY: 60, RoadClass.SECONDARY: 50,
    RoadClass.TERTIARY: 40, RoadClass.RESIDENTIAL: 30, RoadClass.SERVICE: 20, RoadClass.TRACK: 15,
}
# What an emergency unit keeps on a class of road under lights and siren (km/h): faster than
# traffic on the big roads, no faster on the small ones.
UNIT_CLASS_KMH = {
    RoadClass.MOTORWAY: 90, RoadClass.TRUNK: 75, RoadClass.PRIMARY: 60, RoadClass.SECONDARY: 50,
    RoadClass.TERTIARY: 40, RoadClass.RESIDENTIAL: 30, RoadClass.SERVICE: 20, RoadClass.TRACK: 15,
}
CONNECTOR_KMH = 30  # from a point to its nearest junction (along or off the road)
SNAP_MAX_M = 1000  # farther from any junction than this: no road data there
# Straight line: road distance is about this much longer, at this average speed.
ROAD_FACTOR = 1.3
STRAIGHT_LINE_KMH = 35


@dataclass(frozen=True)
class Route:
    geometry: LineString  # SRID 4326, from start to end
    length_m: float
    duration_s: float
    basis: str = ROAD


@dataclass(frozen=True)
class Eta:
    duration_s: int
    distance_m: float
    basis: str  # ROAD or STRAIGHT_LINE
    # False: both ends are on the road network but no open road joins them (a river with no
    # bridge, every way closed); the duration is then the straight line's, and such a unit
    # comes after every unit with a way.
    connected: bool = True


@dataclass(frozen=True)
class Reach:
    """A destination as a bounded search needs it (`reach`): its nearest junction (`node` None:
    no road within SNAP_MAX_M) and how far, and the fastest a unit drives any edge of the network."""

    node: int | None
    metres: float  # from the destination to its junction
    lon: float  # the junction's
    lat: float
    edge_kmh: float

    def soonest_s(self, distance_m: float) -> float:
        """The least road ETA of any origin `distance_m` metres away in a straight line.

        An origin c_u metres from its junction needs (c_u + c) / connector speed to join and
        leave the roads (c: the destination's own connector, `metres`), and between the two
        junctions, at least d - c_u - c metres at the top edge speed. The least over c_u >= 0
        is at c_u = 0 when connectors are the slower: a tighter bound than d at the top speed
        of either, by the destination's connector's slowness, which is known here."""
        if self.node is None:  # no road at the destination: every ETA is a straight line's
            return math.inf
        edge, link = self.edge_kmh / 3.6, CONNECTOR_KMH / 3.6
        if link > edge:
            return max(distance_m, self.metres) / link
        return max(0.0, distance_m - self.metres) / edge + self.metres / link


def route_between(start: Point, end: Point, *, hazmat: bool = False, at: datetime | None = None) -> Route | None:
    """The fastest route from `start` to `end` on the roads open at `at` (default now), on
    roads open to hazardous goods only with `hazmat`. None when no such route exists or a
    point is off the network."""
    at = at or timezone.now()
    with connection.cursor() as cursor:
        snapped = _snap(cursor, [start, end], hazmat=hazmat)
        if snapped[0] is None or snapped[1] is None:
            return None
        (a, a_m), (b, b_m) = snapped
        count = 0
        for bbox in (_box([start, end]), None):  # near the two points first, then the whole network
            count, cost, length, wkb = _path(cursor, a, b, _edges_sql(speeds=None, hazmat=hazmat, at=at, bbox=bbox))
            if count or a == b:
                break
    if a != b and not count:
        return None
    return _route(start, end, a_m, b_m, cost, length, wkb)


def _path(cursor, a: int, b: int, edges: str):
    cursor.execute(
            """
            WITH path AS (
                SELECT p.seq, p.node, p.edge, p.agg_cost FROM pgr_dijkstra(%s, %s::bigint, %s::bigint, true) p),
            legs AS (
                SELECT path.seq, CASE WHEN e.source = path.node THEN e.geometry ELSE ST_Reverse(e.geometry) END AS g,
                       e.length_m
                FROM path JOIN roads_roadedge e ON e.id = path.edge)
            SELECT (SELECT count(*) FROM path), (SELECT max(agg_cost) FROM path),
                   (SELECT coalesce(sum(length_m), 0) FROM legs),
                   (SELECT ST_AsBinary(ST_LineMerge(ST_MakeLine(g ORDER BY seq))) FROM legs)
            """, [edges, a, b])
    return cursor.fetchone()


def _box(points: list[Point], *, share: float = 0.2, least: float = 0.02) -> tuple[float, float, float, float]:
    """The box around the points with a margin (`share` of its size, at least `least` degrees,
    about 2 km): the fastest way seldom leaves it, and a search inside reads a fraction of a
    large network."""
    lons, lats = [p.x for p in points], [p.y for p in points]
    margin = max(least, (max(lons) - min(lons)) * share, (max(lats) - min(lats)) * share)
    return min(lons) - margin, min(lats) - margin, max(lons) + margin, max(lats) + margin


def _route(start: Point, end: Point, a_m, b_m, cost, length, wkb) -> Route:
    start_leg, end_leg = a_m or 0.0, b_m or 0.0
    connector_s = (start_leg + end_leg) / (CONNECTOR_KMH / 3.6)
    points = [(start.x, start.y)]
    if wkb is not None:
        road = GEOSGeometry(memoryview(bytes(wkb)), srid=4326)
        points += list(road.coords) if road.geom_type == "LineString" else [xy for part in road for xy in part.coords]
    points.append((end.x, end.y))
    points = [xy for i, xy in enumerate(points) if i == 0 or xy != points[i - 1]]
    if len(points) < 2:
        points = [points[0], points[0]]
    return Route(geometry=LineString(points, srid=4326), length_m=round(float(length) + start_leg + end_leg, 1),
                 duration_s=round(float(cost or 0) + connector_s, 1))


def eta(origin: Point, destination: Point, *, at: datetime | None = None) -> Eta:
    """A unit's travel time from `origin` to `destination` on the roads (speeds by road class),
    or a straight-line estimate where there is no road data."""
    return etas([origin], destination, at=at)[0]


def etas(origins: list[Point], destination: Point, *, at: datetime | None = None,
         ranks: list[tuple[list[int], int]] | None = None, within_s: float | None = None,
         reach: Reach | None = None) -> list[Eta | None]:
    """`eta` for many origins to one destination: the recommendation's candidates to the incident.

    How, and why this way (issue 24.10: 10 of 100,000 units with road ETAs, p99 ≤ 50 ms):
    the caller has already cut the units down to a few dozen candidates by straight line (a KNN
    walk of their GiST index), so the road work is one-to-many, and small. One statement snaps
    every point to its nearest junction (a KNN probe of the junctions' GiST index per point: no
    cache to keep in step with the network, ~0.05 ms each) and runs ONE `pgr_dijkstraCost` from
    the destination over the reversed edges to every candidate's junction (one search, where
    many-to-one would search once per candidate), on the edges inside the box around the
    points with a margin (a GiST index scan: pgRouting builds a graph of a few thousand edges,
    not the district's). A reverse `pgr_drivingDistance` bounded by a cost would need every
    unit's junction beforehand and reads the whole disc around the incident; the candidates'
    own junctions are all we need.

    An origin not reached inside the box (the bridge over the river lies outside it) is
    searched again on the whole network, in one more call for all such origins, but with
    `ranks` only those that could still matter: `ranks` lists groups of origin indexes, each
    ranked for its `n` fastest, and an origin whose straight line at the network's top speed
    (`top_speed_kmh`) is already slower than its groups' n-th ETA reached is answered None
    (it cannot be among them). Without `ranks` every origin gets an answer. Origins or a
    destination with no road within SNAP_MAX_M get the straight-line estimate (`basis`).

    With `within_s` the caller needs only the ETAs of at most that many seconds (a unit beyond
    its candidates arrives no sooner: incidents.selectors), and the search is bounded by it
    (_etas_within): exact up to `within_s`, None for an origin on the roads whose ETA is longer.
    `reach` is the destination's (reach_for), read once for the rounds of a recommendation.

    Origins need only `x` and `y` (longitude, latitude): a GEOS Point per candidate costs more
    than its use here."""
    if not origins:
        return []
    at = at or timezone.now()
    if within_s is not None:
        return _etas_within(origins, destination, at=at, within_s=within_s, reach=reach or reach_for(destination))
    points = [*origins, destination]
    left_out: set[int] = set()
    with connection.cursor() as cursor:
        snapped, costs = _snap_and_costs(cursor, points, at=at, bbox=_box(points, share=0.3, least=0.01))
        target = snapped[-1]
        if target is not None:
            costs[target[0]] = 0.0
            missing = [i for i, snap in enumerate(snapped[:-1]) if snap is not None and snap[0] not in costs]
            if missing and ranks is not None:
                kept = _could_rank(missing, origins, destination, snapped, costs, ranks)
                left_out, missing = set(missing) - set(kept), kept
            if missing:
                costs.update(_costs(cursor, sorted({snapped[i][0] for i in missing}), target[0], at=at, bbox=None))
    result: list[Eta | None] = []
    for i, (origin, snap) in enumerate(zip(origins, snapped[:-1], strict=True)):
        if i in left_out:
            result.append(None)
        elif target is None or snap is None:  # no road data there
            result.append(straight_line(origin, destination))
        elif snap[0] not in costs:  # roads at both ends, but none joins them
            result.append(replace(straight_line(origin, destination), connected=False))
        else:
            seconds = costs[snap[0]] + (snap[1] + target[1]) / (CONNECTOR_KMH / 3.6)
            result.append(Eta(duration_s=int(round(seconds)), distance_m=round(_distance(origin, destination), 1),
                              basis=ROAD))
    return result


def _etas_within(origins, destination, *, at: datetime, within_s: float, reach: Reach) -> list[Eta | None]:
    """`etas` bounded by `within_s` seconds: one statement snaps the origins and runs one reverse
    `pgr_dijkstraCost` from the destination's junction on the edges within reach of it in that
    time. Any junction on a way of at most `within_s` (less the destination's connector) lies
    at most that time at the top edge speed from the destination's junction, so the edges
    inside the box around it hold every such way: an ETA found up to `within_s` is exact, and
    an origin not reached that soon is no nearer than that (None). The box is about the
    incident's reach only, not the candidates' spread: a fraction of the edges of the box
    around the candidates that an unbounded search reads."""
    if reach.node is None:  # no road at the destination: straight lines, no search
        return [straight_line(origin, destination) for origin in origins]
    edge, link = reach.edge_kmh / 3.6, CONNECTOR_KMH / 3.6
    # + 0.5 s: an ETA is rounded to the second, and one rounded down to within_s counts;
    # 1 %: the metres of a degree below (and an edge's length over its end points' haversine).
    radius = max(0.0, within_s + 0.5 - reach.metres / link) * edge * 1.01
    dlat = radius / 110_000
    dlon = radius / (111_000 * math.cos(math.radians(min(89.0, abs(reach.lat) + dlat))))
    bbox = (reach.lon - dlon, reach.lat - dlat, reach.lon + dlon, reach.lat + dlat)
    with connection.cursor() as cursor:
        snapped, costs = _snap_and_costs(cursor, origins, at=at, bbox=bbox, source=reach.node)
    costs[reach.node] = 0.0
    result: list[Eta | None] = []
    for origin, snap in zip(origins, snapped, strict=True):
        if snap is None:  # no road data there
            result.append(straight_line(origin, destination))
            continue
        cost = costs.get(snap[0])
        seconds = None if cost is None else cost + (snap[1] + reach.metres) / link
        if seconds is None or round(seconds) > within_s:
            result.append(None)
        else:
            result.append(Eta(duration_s=int(round(seconds)), distance_m=round(_distance(origin, destination), 1),
                              basis=ROAD))
    return result


def reach_for(destination: Point) -> Reach:
    """The destination's junction and the network's top edge speed for a unit (`Reach`), in one
    statement: a KNN probe of the junctions, a probe of the road-class index per class."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT n.id, ST_Distance(n.location::geography, q.p::geography), ST_X(n.location), ST_Y(n.location),
                   ({_TOP_CLASS_KMH_SQL})
            FROM (SELECT ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326) AS p) q
            LEFT JOIN LATERAL (SELECT id, location FROM roads_roadnode ORDER BY location <-> q.p LIMIT 1) n ON true
            """, {"lon": float(destination.x), "lat": float(destination.y), **_top_class_params()})
        node, metres, lon, lat, kmh = cursor.fetchone()
    near = node is not None and metres <= SNAP_MAX_M
    # 30: an edge of no known class (_edges_sql)
    return Reach(node=int(node) if near else None, metres=float(metres) if near else 0.0,
                 lon=float(lon) if near else 0.0, lat=float(lat) if near else 0.0, edge_kmh=float(max(kmh or 0, 30)))


def _could_rank(missing: list[int], origins, destination, snapped, costs, ranks) -> list[int]:
    """The origins of `missing` that could still be among the `n` fastest of one of their
    groups: an origin d metres away arrives no sooner than d at the network's top speed."""
    connector_s = {i: (snapped[i][1] + snapped[-1][1]) / (CONNECTOR_KMH / 3.6) for i in range(len(origins))
                   if snapped[i] is not None and snapped[i][0] in costs}
    reached = {i: costs[snapped[i][0]] + connector_s[i] for i in connector_s}
    speed = top_speed_kmh() / 3.6
    keep = set()
    for members, n in ranks:
        times = sorted(reached[i] for i in members if i in reached)
        ceiling = times[n - 1] if 0 < n <= len(times) else math.inf
        keep |= {i for i in members if i in missing and _distance(origins[i], destination) / speed < ceiling}
    return [i for i in missing if i in keep]


def top_speed_kmh() -> float:
    """The fastest a unit goes anywhere on the network: the top class of road it has (under
    lights and siren), or a connector. A unit d metres away in a straight line needs at least
    d at this speed to arrive, a bound that lets a recommendation stop reading candidates
    (incidents.selectors). A few probes of the road-class index."""
    with connection.cursor() as cursor:
        cursor.execute(_TOP_CLASS_KMH_SQL, _top_class_params())
        kmh = cursor.fetchone()[0]
    return float(max(kmh or 0, CONNECTOR_KMH, 30))  # 30: an edge of no known class (_edges_sql)


# The unit speed of the fastest class of road the network has (None: no roads).
_TOP_CLASS_KMH_SQL = ("SELECT max(s.kmh) FROM unnest(%(classes)s::text[], %(kmh)s::int[]) AS s(cls, kmh) "
                      "WHERE EXISTS (SELECT 1 FROM roads_roadedge e WHERE e.road_class = s.cls)")


def _top_class_params() -> dict:
    return {"classes": [str(c) for c in UNIT_CLASS_KMH], "kmh": list(UNIT_CLASS_KMH.values())}


def straight_line(origin: Point, destination: Point, *, speed_kmh: float = STRAIGHT_LINE_KMH) -> Eta:
    distance = _distance(origin, destination)
    return Eta(duration_s=int(round(distance * ROAD_FACTOR / (speed_kmh / 3.6))), distance_m=round(distance, 1),
               basis=STRAIGHT_LINE)


def _snap_and_costs(cursor, points: list[Point], *, at: datetime, bbox, source: int | None = None):
    """One statement: each point's nearest junction and its distance in metres (None beyond
    SNAP_MAX_M), and the travel time to the last point's junction from every other point's
    (one `pgr_dijkstraCost` from the last over the reversed edges inside `bbox`); with `source`,
    to that junction from every point's. Returns (snaps, {junction: seconds}) of the junctions
    reached."""
    edges = _edges_sql(speeds=UNIT_CLASS_KMH, hazmat=False, at=at, bbox=bbox, reverse=True)
    if source is None:
        start, last = "(SELECT node::bigint FROM near WHERE i = %(last)s)", len(points)
    else:  # every point is an origin
        start, last = "%(source)s::bigint", len(points) + 1
    cursor.execute(
        f"""
        WITH snapped AS MATERIALIZED (
            SELECT w.i, n.id AS node, ST_Distance(n.location::geography, q.p::geography) AS metres
            FROM unnest(%(lons)s::float8[], %(lats)s::float8[]) WITH ORDINALITY AS w(lon, lat, i)
            CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(w.lon, w.lat), 4326) AS p) q
            LEFT JOIN LATERAL (SELECT id, location FROM roads_roadnode ORDER BY location <-> q.p LIMIT 1) n ON true),
        near AS (SELECT i, node FROM snapped WHERE metres <= %(snap)s),
        costs AS (
            SELECT end_vid, agg_cost FROM pgr_dijkstraCost(
                %(edges)s, {start},
                (SELECT array_agg(DISTINCT node::bigint) FROM near WHERE i < %(last)s), true))
        SELECT s.node, s.metres, c.agg_cost FROM snapped s LEFT JOIN costs c ON c.end_vid = s.node ORDER BY s.i
        """, {"lons": [float(p.x) for p in points], "lats": [float(p.y) for p in points], "snap": SNAP_MAX_M,
              "edges": edges, "last": last, "source": source})
    snaps, costs = [], {}
    for node, metres, cost in cursor.fetchall():
        near = node is not None and metres <= SNAP_MAX_M
        snaps.append((int(node), float(metres)) if near else None)
        if near and cost is not None:
            costs[int(node)] = float(cost)
    return snaps, costs


def _costs(cursor, starts: list[int], target: int, *, at: datetime, bbox) -> dict[int, float]:
    """Travel time from each start to the target. On the reversed graph, one search from the
    target reaches every start (one-to-many), where many-to-one would search once per start."""
    edges = _edges_sql(speeds=UNIT_CLASS_KMH, hazmat=False, at=at, bbox=bbox, reverse=True)
    cursor.execute("SELECT end_vid, agg_cost FROM pgr_dijkstraCost(%s, %s::bigint, %s::bigint[], true)",
                   [edges, target, starts])
    return {int(start): float(cost) for start, cost in cursor.fetchall()}


def _snap(cursor, points: list[Point], *, hazmat: bool) -> list[tuple[int, float] | None]:
    """Each point's nearest junction (of a hazmat road with `hazmat`) and its distance in
    metres, or None beyond SNAP_MAX_M. One statement, KNN per point."""
    wkts = [f"POINT({float(p.x)!r} {float(p.y)!r})" for p in points]
    cursor.execute(
        """
        SELECT n.id, ST_Distance(n.location::geography, q.p::geography)
        FROM unnest(%s::text[]) WITH ORDINALITY AS w(wkt, i)
        CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_GeomFromText(w.wkt), 4326) AS p) q
        LEFT JOIN LATERAL (SELECT id, location FROM roads_roadnode
                           WHERE hazmat OR NOT %s ORDER BY location <-> q.p LIMIT 1) n ON true
        ORDER BY w.i
        """, [wkts, hazmat])
    return [(int(node), float(metres)) if node is not None and metres <= SNAP_MAX_M else None
            for node, metres in cursor.fetchall()]


def _edges_sql(*, speeds: dict | None, hazmat: bool, at: datetime, bbox, reverse: bool = False) -> str:
    """The edges query pgRouting runs (`reverse`: every edge turned around). Built from our own
    values only (numbers, a timestamp we format), never from a client's text."""
    if speeds is None:  # a vehicle: the limit of the road, else its class's usual speed
        cases = " ".join(f"WHEN '{cls}' THEN {int(kmh)}" for cls, kmh in CLASS_LIMIT_KMH.items())
        speed = f"coalesce(e.speed_limit_kmh, CASE e.road_class {cases} ELSE 30 END)"
    else:
        cases = " ".join(f"WHEN '{cls}' THEN {int(kmh)}" for cls, kmh in speeds.items())
        speed = f"(CASE e.road_class {cases} ELSE 30 END)"
    cost = f"e.length_m / ({speed} / 3.6)"
    moment = at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S+00")
    where = [
        "e.source IS NOT NULL",
        "NOT EXISTS (SELECT 1 FROM roads_roadclosure c WHERE c.edge_id = e.id "
        f"AND c.starts_at <= '{moment}' AND (c.ends_at IS NULL OR c.ends_at > '{moment}'))",
    ]
    if hazmat:
        where.append("e.hazmat_allowed")
    if bbox is not None:
        x0, y0, x1, y1 = (float(v) for v in bbox)
        where.append(f"e.geometry && ST_MakeEnvelope({x0!r}, {y0!r}, {x1!r}, {y1!r}, 4326)")
    ends = "e.target AS source, e.source AS target" if reverse else "e.source, e.target"
    return (f"SELECT e.id, {ends}, {cost} AS cost, "
            f"CASE WHEN e.oneway THEN -1 ELSE {cost} END AS reverse_cost "
            f"FROM roads_roadedge e WHERE {' AND '.join(where)}")


def _distance(a: Point, b: Point) -> float:
    """Metres on the sphere (haversine): enough for an ETA's straight line."""
    lon1, lat1, lon2, lat2 = map(math.radians, (a.x, a.y, b.x, b.y))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371008.8 * math.asin(math.sqrt(h))
