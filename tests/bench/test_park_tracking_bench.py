"""5,000 hazardous-goods vehicles reporting every 10 s (500 positions a second) for 60 s of
positions, each checked against its approved route (off route > 200 m), its speed and its
standing time (issue 24.10). The positions are stored as the ingester stores them (a batch a
second through park.services.tracking.vehicle_positions_store); printed beside the same run's
baseline: the same rows INSERTed bare, without checks or rules. Run by `make bench`; the
figures are for reading, not assertions (shared machines are noisy)."""

import datetime as dt
import math
import time

import pytest
from django.contrib.gis.geos import LineString, MultiPolygon, Point, Polygon
from django.db import connection
from django.utils import timezone

from tests.bench.conftest import percentile, report

pytestmark = pytest.mark.django_db(transaction=True)

VEHICLES = 5000
PERIOD_S = 10
SECONDS = 60


def test_five_thousand_vehicles_every_ten_seconds_with_the_off_route_check():
    from hazards.models import Enterprise
    from park.models import Gate, HazmatAppointment, ParkZone, VehicleAlarm
    from park.parsing import Position
    from park.services import tracking
    from places.models import BasemapFeature

    box = Polygon(((113.5, 22.5), (113.8, 22.5), (113.8, 22.8), (113.5, 22.8), (113.5, 22.5)), srid=4326)
    BasemapFeature.objects.create(layer="boundary", name="district", geometry=MultiPolygon(box, srid=4326))
    enterprise = Enterprise.objects.create(code="BE1", name="bench", location=Point(113.68, 22.66, srid=4326))
    public = ParkZone.objects.create(code="BPUB", name="p", kind="public", area=box)
    ParkZone.objects.create(code="BLOT", name="lot", kind="parking", area=Polygon(
        ((113.65, 22.636), (113.653, 22.636), (113.653, 22.639), (113.65, 22.639), (113.65, 22.636)), srid=4326))
    gate = Gate.objects.create(code="BG", name="g", kind="vehicle", location=Point(113.65, 22.645, srid=4326),
                               zone_inside=public)
    now = timezone.now()
    start = now - dt.timedelta(seconds=SECONDS + 30)

    def route_of(i):  # a 20-vertex road-like line, each vehicle its own
        y = 22.64 + (i % 200) * 0.0001
        return [(113.65 + k * 0.0015, y + (0.0003 if k % 2 else 0)) for k in range(20)]

    routes = {i: route_of(i) for i in range(VEHICLES)}
    HazmatAppointment.objects.bulk_create([HazmatAppointment(
        plate=f"粤B{i:05d}", driver="d", driver_licence_valid_to=now.date() + dt.timedelta(days=30), escort="e",
        escort_licence_valid_to=now.date() + dt.timedelta(days=30), un_number="1005", quantity_t=10,
        destination=enterprise, window_from=start - dt.timedelta(hours=1), window_to=now + dt.timedelta(hours=2),
        gate=gate, state="approved", route=LineString(routes[i], srid=4326), route_length_m=3000,
        route_basis="straight_line") for i in range(VEHICLES)], batch_size=1000)
    tracking.reference_forget()

    def batch(second):
        """The 500 vehicles reporting in this second: moving along their routes at ~36 km/h;
        every 50th a kilometre off its route."""
        items = []
        ts = start + dt.timedelta(seconds=second)
        for i in range(second % PERIOD_S, VEHICLES, PERIOD_S):
            coords = routes[i]
            k = min(len(coords) - 2, second // 5)
            x, y = coords[k]
            off = 0.004 if i % 50 == 0 and second >= 30 else 0.0  # about 450 m
            items.append((len(items), Position(plate=f"粤B{i:05d}", ts=ts, lon=x + (second % 5) * 0.0002,
                                               lat=y + off, speed_kmh=36.0)))
        return items

    batches = [batch(s) for s in range(SECONDS)]
    assert sum(len(b) for b in batches) == VEHICLES * SECONDS // PERIOD_S

    # Baseline: the same rows, a bare INSERT per batch (no checks, no state, no rules).
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_positions (LIKE park_vehicleposition INCLUDING ALL)")
    base = []
    for items in batches[:10]:
        rows = [p for _i, p in items]
        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO bench_positions (plate, ts, location, speed_kmh) SELECT p, t, "
                "ST_SetSRID(ST_MakePoint(x, y), 4326), s FROM unnest(%s::text[], %s::timestamptz[], %s::float8[], "
                "%s::float8[], %s::float8[]) AS u(p, t, x, y, s)",
                [[p.plate for p in rows], [p.ts for p in rows], [p.lon for p in rows], [p.lat for p in rows],
                 [p.speed_kmh for p in rows]])
        base.append(time.perf_counter() - t0)

    times, accepted, refused = [], 0, 0
    wall = time.perf_counter()
    for items in batches:
        t0 = time.perf_counter()
        ok, bad = tracking.vehicle_positions_store(positions=items)
        times.append(time.perf_counter() - t0)
        accepted += ok
        refused += len(bad)
    wall = time.perf_counter() - wall
    alarms = VehicleAlarm.objects.filter(kind="off_route").count()
    report(f"{VEHICLES:,} vehicles every {PERIOD_S} s: one batch a second for {SECONDS} s (loaded shared VM)", [
        ("vehicle_positions_store (500 positions + rules)", times),
        ("baseline: bare INSERT of the same 500 rows", base)])
    rate = accepted / wall
    print(f"   {accepted:,} positions stored in {wall:.1f} s: {rate:,.0f} positions/s sustained "
          f"(needed: {VEHICLES / PERIOD_S:,.0f}/s; {rate / (VEHICLES / PERIOD_S):.1f}× the need)")
    print(f"   store / baseline: p50 {percentile(times, 50) / percentile(base, 50):.1f}×; "
          f"batches over 1 s: {sum(t > 1 for t in times)} of {len(times)}; off-route alarms raised: {alarms}; "
          f"refused: {refused}")
    assert accepted == VEHICLES * SECONDS // PERIOD_S and refused == 0
    assert alarms == math.ceil(VEHICLES / 50)
