"""Benchmarks for dispatch (issue 3). Printed figures and same-run ratios; nothing asserted on time.

Run with `make bench`.
"""

import asyncio
import json
import os
import platform
import time
import urllib.request

import pytest
from channels.layers import get_channel_layer
from django.contrib.auth.models import Group
from django.contrib.gis.geos import Point
from django.db import connection
from rest_framework.authtoken.models import Token

from incidents import selectors, services
from incidents.models import IncidentType
from resources.models import Agency, Resource, Responder
from tests.conftest import free_port, start_daphne, stop_process

from .conftest import percentile, report

pytestmark = pytest.mark.django_db(transaction=True)

DISPATCHES = int(os.environ.get("BENCH_DISPATCHES", "300"))
RESOURCES = int(os.environ.get("BENCH_RESOURCES", "100000"))


def _machine():
    return f"{platform.node()} · {os.cpu_count()} CPUs · Python {platform.python_version()}"


def _post(url, token, body):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "Authorization": f"Token {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_push_latency_dispatch_to_responder_frame(make_user):
    import websockets

    IncidentType.objects.create(code="fire", klass="accident", name_zh="火灾", name_en="Fire",
                                required_capabilities=["fire_suppression"])
    agency = Agency.objects.create(code="F", name="F")
    unit = Resource.objects.create(code="U", name="U", kind="fire_engine", agency=agency,
                                   capabilities=["fire_suppression"], location=Point(113.6, 22.75, srid=4326))
    crew = make_user("crew", "responder")
    Responder.objects.create(user=crew, agency=agency, resource=unit)
    boss = make_user("boss", "dispatcher")
    boss.groups.add(Group.objects.get(name="duty_officer"))
    incident = services.incident_log(actor=boss, type_code="fire", severity="IV", lon=113.6, lat=22.75)
    crew_token = Token.objects.create(user=crew).key
    boss_token = Token.objects.create(user=boss).key
    port = free_port()
    proc = start_daphne(port, {"DJANGO_SETTINGS_MODULE": "tests.bench.settings"})
    base = f"http://127.0.0.1:{port}"

    async def measure():
        layer = get_channel_layer()
        # Baseline: a bare Channels group round trip through Redis, in this process.
        channel = await layer.new_channel()
        await layer.group_add("bench.bare", channel)
        bare = []
        for i in range(DISPATCHES):
            t0 = time.perf_counter()
            await layer.group_send("bench.bare", {"type": "x", "i": i})
            await layer.receive(channel)
            bare.append(time.perf_counter() - t0)

        push, http, baseline = [], [], []
        async with websockets.connect(f"ws://127.0.0.1:{port}/ws/stream/",
                                      additional_headers={"Authorization": f"Token {crew_token}"}) as ws:
            loop = asyncio.get_running_loop()
            for _ in range(DISPATCHES):
                # Baseline, interleaved so both see the same load: token-authenticated DRF POST
                # writing one row in a transaction (tests/bench/urls.py).
                t0 = time.perf_counter()
                await loop.run_in_executor(None, _post, f"{base}/bench/baseline/", boss_token, {})
                baseline.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                created = await loop.run_in_executor(None, _post, f"{base}/api/v1/incidents/{incident.pk}/assignments/",
                                                     boss_token, {"resources": [unit.pk]})
                http.append(time.perf_counter() - t0)
                while True:
                    frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
                    if frame["type"] == "assignment.created":
                        break
                push.append(time.perf_counter() - t0)
                await loop.run_in_executor(None, _post, f"{base}/api/v1/assignments/{created[0]['id']}/status/",
                                           boss_token, {"status": "cleared"})
                while json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] != "assignment.updated":
                    pass
        return bare, push, http, baseline

    try:
        bare, push, http, baseline = asyncio.run(measure())
    finally:
        stop_process(proc)
    report(f"Push latency, dispatcher HTTP request → responder websocket frame ({_machine()})", [
        ("bare Channels group round trip (Redis)", bare),
        ("baseline: token DRF POST, one row in a transaction", baseline),
        ("POST /assignments/ → its HTTP response", http),
        ("POST /assignments/ → assignment.created frame", push),
    ])
    print(f"   dispatch request / baseline POST: p50 {percentile(http, 50) / percentile(baseline, 50):.1f}×   "
          f"p99 {percentile(http, 99) / percentile(baseline, 99):.1f}× (aim ≤ 3×)")
    print(f"   ratio p50 {percentile(push, 50) / percentile(bare, 50):.1f}×   "
          f"ratio p99 {percentile(push, 99) / percentile(bare, 99):.1f}×")


def test_recommendation_over_many_resources(make_user):
    agency = Agency.objects.create(code="F", name="F")
    itype = IncidentType.objects.create(code="fire", klass="accident", name_zh="火灾", name_en="Fire",
                                        required_capabilities=["fire_suppression"])
    kinds = ["fire_engine", "ambulance", "rescue_team", "hazmat_unit", "boat", "police_car"]
    caps = ["{fire_suppression}", "{ems}", "{rescue}", "{hazmat}", "{water_rescue}", "{security}"]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO resources_resource (code, name, kind, capabilities, agency_id, location, status, status_since,
                                            unit_of_measure, phone)
            SELECT 'B' || g, 'Bench ' || g, (%s::text[])[1 + g %% 6], ((%s::text[])[1 + g %% 6])::varchar[], %s,
                   ST_SetSRID(ST_MakePoint(113.0 + random() * 1.2, 22.2 + random() * 1.2), 4326)::geography,
                   CASE WHEN g %% 5 = 0 THEN 'dispatched' ELSE 'available' END, now(), '', ''
            FROM generate_series(1, %s) AS g
            """,
            [kinds, caps, agency.pk, RESOURCES],
        )
        cursor.execute("ANALYZE resources_resource")
    boss = make_user("boss", "duty_officer")
    incidents = [services.incident_log(actor=boss, type_code="fire", severity="IV", lon=113.3 + i * 0.01, lat=22.5 + i * 0.01)
                 for i in range(50)]
    limit = 10

    def bare(incident):
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM resources_resource ORDER BY location <-> ST_GeogFromText(%s) LIMIT %s",
                           [f"SRID=4326;POINT({incident.location.x} {incident.location.y})", limit])
            cursor.fetchall()

    def ours(incident):
        selectors.units_recommend(incident=incident, limit=limit)

    def orm_distance(incident):
        from django.contrib.gis.db.models.functions import Distance

        list(Resource.objects.filter(status="available", capabilities__overlap=itype.required_capabilities)
             .annotate(d=Distance("location", incident.location)).order_by("d")[:limit])

    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN SELECT id FROM resources_resource WHERE status = 'available' AND kind = ANY(%s) "
            "AND capabilities && %s::varchar[] ORDER BY location <-> ST_GeogFromText(%s) LIMIT 10",
            [kinds, ["fire_suppression"], "SRID=4326;POINT(113.6 22.75)"])
        print("\n   plan: " + "\n         ".join(row[0] for row in cursor.fetchall()[:4]))
    timings = {"bare": [], "ours": [], "orm": []}
    for _round in range(4):
        for incident in incidents:
            for name, fn in (("bare", bare), ("ours", ours)):
                t0 = time.perf_counter()
                fn(incident)
                timings[name].append(time.perf_counter() - t0)
    for incident in incidents[:5]:
        t0 = time.perf_counter()
        orm_distance(incident)
        timings["orm"].append(time.perf_counter() - t0)
    report(f"Recommendation over {RESOURCES:,} resources ({_machine()})", [
        ("bare ORDER BY location <-> point LIMIT 10", timings["bare"]),
        ("units_recommend (KNN + status + capability + ETA)", timings["ours"]),
        ("ORM order_by(Distance) (full scan, for contrast)", timings["orm"]),
    ])
    print(f"   ratio ours/bare p50 {percentile(timings['ours'], 50) / percentile(timings['bare'], 50):.1f}×   "
          f"p99 {percentile(timings['ours'], 99) / percentile(timings['bare'], 99):.1f}×   "
          f"ORM Distance/bare p50 {percentile(timings['orm'], 50) / percentile(timings['bare'], 50):.0f}×")
