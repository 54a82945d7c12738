"""Benchmarks for roads and units' positions (issue 24.10). Printed figures and same-run
ratios; nothing asserted on time. Run with `make bench`.

- A route (roads.routing.route_between) on a 10,000-edge network: target ≤ 200 ms; baseline a
  bare pgr_dijkstra between the same junctions on the same edges (length as cost, no closures,
  no geometry).
- A recommendation with road ETAs for the 10 nearest candidates among 100,000 resources
  (incidents.selectors.units_recommend, ordered by road ETA): target p99 ≤ 50 ms; baseline the
  bare KNN query. The machine is shared: each figure is printed with the load average.
"""

import os
import random
import time

import pytest
from django.contrib.gis.geos import Point
from django.db import connection

from incidents import selectors, services
from incidents.models import IncidentType
from resources.models import Agency
from roads import routing
from roads.models import RoadEdge
from roads.services import network_rebuild

from .conftest import percentile, report

pytestmark = pytest.mark.django_db(transaction=True)

RESOURCES = int(os.environ.get("BENCH_RESOURCES", "100000"))
ROUTES = int(os.environ.get("BENCH_ROUTES", "100"))
SIDE = 71  # junctions per side: 2 × 71 × 70 = 9,940 edges, plus the diagonals below → ≥ 10,000
STEP = 0.002  # degrees between junctions (≈ 200 m)
WEST, SOUTH = 113.50, 22.68


def _grid():
    """A SIDE × SIDE street grid (classes mixed, every seventh east-west street one-way, some
    hazmat) and a diagonal avenue."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO roads_roadedge (name, road_class, hazmat_allowed, oneway, geometry, length_m, origin)
            SELECT 'G', (ARRAY['primary','secondary','tertiary','residential'])[1 + (i + j) % 4],
                   (i % 5 = 0), (dj = 0 AND j % 7 = 3),
                   ST_MakeLine(ST_SetSRID(ST_MakePoint({WEST} + i * {STEP}, {SOUTH} + j * {STEP}), 4326),
                               ST_SetSRID(ST_MakePoint({WEST} + (i + di) * {STEP}, {SOUTH} + (j + dj) * {STEP}), 4326)),
                   0, 'bench'
            FROM generate_series(0, {SIDE - 1}) i, generate_series(0, {SIDE - 1}) j,
                 (VALUES (1, 0), (0, 1)) AS d(di, dj)
            WHERE i + di < {SIDE} AND j + dj < {SIDE}
            UNION ALL
            SELECT 'D', 'primary', true, false,
                   ST_MakeLine(ST_SetSRID(ST_MakePoint({WEST} + k * {STEP}, {SOUTH} + k * {STEP}), 4326),
                               ST_SetSRID(ST_MakePoint({WEST} + (k + 1) * {STEP}, {SOUTH} + (k + 1) * {STEP}), 4326)),
                   0, 'bench'
            FROM generate_series(0, {SIDE - 2}) k
            """)
    network_rebuild()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE roads_roadedge; ANALYZE roads_roadnode")
    return RoadEdge.objects.count()


def _random_point(rng):
    span = (SIDE - 1) * STEP
    return Point(WEST + rng.random() * span, SOUTH + rng.random() * span, srid=4326)


def test_route_on_a_10000_edge_network():
    edges = _grid()
    rng = random.Random(24)
    pairs = [(_random_point(rng), _random_point(rng)) for _ in range(ROUTES)]
    with connection.cursor() as cursor:
        snapped = [routing._snap(cursor, [a, b], hazmat=False) for a, b in pairs]
    bare, ours, hazmat = [], [], []
    for (a, b), ((na, _ma), (nb, _mb)) in zip(pairs, snapped, strict=True):
        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pgr_dijkstra('SELECT id, source, target, length_m AS cost "
                           "FROM roads_roadedge', %s::bigint, %s::bigint, false)", [na, nb])
            cursor.fetchall()
        bare.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        route = routing.route_between(a, b)
        ours.append(time.perf_counter() - t0)
        assert route is not None and route.length_m > 0
        t0 = time.perf_counter()
        routing.route_between(a, b, hazmat=True)
        hazmat.append(time.perf_counter() - t0)
    report(f"Route on a {edges:,}-edge network ({ROUTES} random pairs)", [
        ("bare pgr_dijkstra (length cost, no geometry)", bare),
        ("route_between (time cost, closures, geometry)", ours),
        ("route_between hazmat=True", hazmat),
    ])
    p99 = percentile(ours, 99) * 1000
    print(f"   ratio ours/bare p50 {percentile(ours, 50) / percentile(bare, 50):.1f}×   "
          f"p99 {percentile(ours, 99) / percentile(bare, 99):.1f}×   "
          f"target ≤ 200 ms: {'met' if p99 <= 200 else 'NOT met'} (p99 {p99:.1f} ms)   "
          f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


def test_recommendation_with_road_etas_among_100000_resources(make_user):
    edges = _grid()
    itype = IncidentType.objects.create(code="fire", klass="accident", name_zh="火灾", name_en="Fire",
                                        required_capabilities=["fire_suppression"])
    agency = Agency.objects.create(code="F", name="F")
    kinds = ["fire_engine", "ambulance", "rescue_team", "hazmat_unit", "boat", "police_car"]
    caps = ["{fire_suppression}", "{ems}", "{rescue}", "{hazmat}", "{water_rescue}", "{security}"]
    with connection.cursor() as cursor:
        # Spread over the district; every tenth reports a live position (half of them fresh), and
        # among them available fire engines (g ≡ 6 mod 30), so fresh positions compete with depots.
        cursor.execute(
            """
            INSERT INTO resources_resource (code, name, kind, capabilities, agency_id, location, status, status_since,
                                            unit_of_measure, phone, position, position_at)
            SELECT 'B' || g, 'Bench ' || g, (%s::text[])[1 + g %% 6], ((%s::text[])[1 + g %% 6])::varchar[], %s,
                   ST_SetSRID(ST_MakePoint(113.46 + random() * 0.26, 22.62 + random() * 0.26), 4326)::geography,
                   CASE WHEN g %% 5 = 0 THEN 'dispatched' ELSE 'available' END, now(), '', '',
                   CASE WHEN g %% 10 = 6 THEN ST_SetSRID(ST_MakePoint(113.46 + random() * 0.26,
                                                                      22.62 + random() * 0.26), 4326)::geography END,
                   CASE WHEN g %% 10 = 6 THEN now() - (g %% 240) * interval '1 second' END
            FROM generate_series(1, %s) AS g
            """,
            [kinds, caps, agency.pk, RESOURCES],
        )
        cursor.execute("ANALYZE resources_resource")
    boss = make_user("boss", "duty_officer")
    rng = random.Random(10)
    incidents = []
    for _ in range(50):
        p = _random_point(rng)
        incidents.append(services.incident_log(actor=boss, type_code="fire", severity="IV", lon=p.x, lat=p.y))
    limit = 10

    def bare(incident):
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM resources_resource ORDER BY location <-> ST_GeogFromText(%s) LIMIT %s",
                           [f"SRID=4326;POINT({incident.location.x} {incident.location.y})", limit])
            cursor.fetchall()

    timings = {"bare": [], "ours": []}
    bases = []
    for _round in range(4):
        for incident in incidents:
            t0 = time.perf_counter()
            bare(incident)
            timings["bare"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            recs = selectors.units_recommend(incident=incident, limit=limit, capability=itype.required_capabilities[0])
            timings["ours"].append(time.perf_counter() - t0)
            bases += [r.eta_basis for r in recs]
    report(f"Recommendation with road ETAs, 10 nearest of {RESOURCES:,} resources, {edges:,}-edge network", [
        ("bare ORDER BY location <-> point LIMIT 10", timings["bare"]),
        ("units_recommend (fresh positions + KNN + road ETAs)", timings["ours"]),
    ])
    p99 = percentile(timings["ours"], 99) * 1000
    print(f"   ratio ours/bare p50 {percentile(timings['ours'], 50) / percentile(timings['bare'], 50):.1f}×   "
          f"p99 {percentile(timings['ours'], 99) / percentile(timings['bare'], 99):.1f}×   "
          f"road ETAs {bases.count('road')}/{len(bases)}   "
          f"target p99 ≤ 50 ms: {'met' if p99 <= 50 else 'NOT met'} (p99 {p99:.1f} ms)   "
          f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
