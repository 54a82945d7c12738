"""Load: SOAK_CONNECTIONS responder websockets (5,000 by default, the district's phones) on one
Daphne, and again spread over two Daphne processes (the way production runs), while dispatchers
log incidents and dispatch at a steady rate for SOAK_SECONDS. Run with `make soak`.

Asserted: nothing lost, nothing duplicated, no error (HTTP, websocket, or a frame reaching the
wrong unit). Printed, never asserted: throughput, push latency p50/p99, memory per connection,
database transactions per second while the sockets sit idle (pg_stat_database), and the same
run's baselines (a bare Channels round trip through Redis; the database with no socket open).
"""

import asyncio
import json
import os
import platform
import statistics
import time

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.contrib.gis.geos import Point
from rest_framework.authtoken.models import Token

from incidents.models import IncidentType
from resources.models import Agency, Resource, Responder
from tests.conftest import free_port, start_daphne, stop_process
from tests.scaleout.helpers import api, run_async

pytestmark = pytest.mark.django_db(transaction=True)

CONNECTIONS = int(os.environ.get("SOAK_CONNECTIONS", "5000"))
IDLE_S = float(os.environ.get("SOAK_IDLE_SECONDS", "15"))  # idle window for the database's query rate
SECONDS = float(os.environ.get("SOAK_SECONDS", "60"))
RATE = float(os.environ.get("SOAK_RATE", "4"))  # dispatches per second, each with a new incident
DISPATCHERS = int(os.environ.get("SOAK_DISPATCHERS", "2"))


def _rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _percentile(values, p):
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _district(n):
    """n units, each with one responder and a token: bulk inserts, one password hash."""
    User = get_user_model()
    IncidentType.objects.create(code="fire", klass="accident", name_zh="火灾", name_en="Fire",
                                required_capabilities=["fire_suppression"])
    agency = Agency.objects.create(code="SOAK", name="Soak")
    password = make_password("soak-pass-123")
    users = User.objects.bulk_create([User(username=f"soak{i}", password=password) for i in range(n)])
    units = Resource.objects.bulk_create([
        Resource(code=f"S{i:04d}", name=f"Soak {i}", kind="fire_engine", agency=agency,
                 capabilities=["fire_suppression"], location=Point(113.5 + (i % 50) / 500, 22.7 + (i // 50) / 500,
                                                                     srid=4326)) for i in range(n)])
    Responder.objects.bulk_create([Responder(user=u, agency=agency, resource=r) for u, r in zip(users, units,
                                                                                                strict=True)])
    responder = Group.objects.get(name="responder")
    User.groups.through.objects.bulk_create([User.groups.through(user_id=u.pk, group_id=responder.pk) for u in users])
    tokens = Token.objects.bulk_create([Token(user=u, key=Token.generate_key()) for u in users])
    boss = User.objects.create_user("soak_boss", password="x")
    boss.groups.add(Group.objects.get(name="dispatcher"), Group.objects.get(name="duty_officer"))
    return [(unit.pk, token.key) for unit, token in zip(units, tokens, strict=True)], Token.objects.create(user=boss).key


def _db_transactions() -> int:
    """Transactions committed or rolled back in the test database so far: every statement an
    idle Daphne's stream sends runs in a transaction of its own (autocommit)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def _quiet_database():
    """Vacuum and analyse now, so autovacuum (whose transactions pg_stat_database counts too)
    has nothing left to do during the measurement."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


async def _db_rate(seconds: float) -> float:
    """Transactions per second in the test database over `seconds` (minus this probe's own).
    Backends report their counts up to 10 s late when idle: the caller waits that out first."""
    before = await asyncio.to_thread(_db_transactions)
    await asyncio.sleep(seconds)
    after = await asyncio.to_thread(_db_transactions)
    # pg_stat_database is updated by each backend at most every 0.5-1 s; the probe itself
    # runs one transaction per reading.
    return max(0, after - before - 1) / seconds


async def _bare_round_trip(n=200):
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add("soak.bare", channel)
    times = []
    for i in range(n):
        t0 = time.perf_counter()
        await layer.group_send("soak.bare", {"type": "x", "i": i})
        await layer.receive(channel)
        times.append(time.perf_counter() - t0)
    await layer.group_discard("soak.bare", channel)
    return times


def test_soak_one_daphne(settings):
    _soak(processes=1)


def test_soak_two_daphnes(settings):
    _soak(processes=2)


def _soak(processes):
    import resource

    import websockets

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 2 * CONNECTIONS + 1000)), hard))
    units, boss = _district(CONNECTIONS)
    ports = [free_port() for _ in range(processes)]
    daphnes = [start_daphne(port) for port in ports]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    received: dict[int, list[tuple[dict, float]]] = {unit: [] for unit, _ in units}
    errors: list[str] = []
    sent: dict[int, tuple[int, float]] = {}  # assignment id → (unit id, t0)
    responded: list[float] = []  # the dispatch request alone

    async def listen(index, unit_id, token, ready):
        ws_url = f"ws://127.0.0.1:{ports[index % processes]}/ws/stream/?since=0"
        try:
            async with websockets.connect(ws_url, additional_headers={"Authorization": f"Token {token}"},
                                          open_timeout=60, ping_interval=None, max_queue=None) as ws:
                ready.set_result(True)
                async for message in ws:
                    received[unit_id].append((json.loads(message), time.perf_counter()))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - every drop is an error in a soak
            errors.append(f"websocket of unit {unit_id}: {exc!r}")
            if not ready.done():
                ready.set_result(False)

    def dispatcher(index, deadline, interval):
        base = bases[index % processes]  # dispatches go through every process
        free = [u for i, (u, _) in enumerate(units) if i % DISPATCHERS == index]
        next_at = time.perf_counter()
        while time.perf_counter() < deadline and free:
            unit_id = free.pop(0)
            status, incident = api(base, boss, "/api/v1/incidents/", {
                "type": "fire", "severity": "IV", "title": f"soak {unit_id}",
                "location": {"type": "Point", "coordinates": [113.55, 22.75]}}, timeout=30)
            if status != 201:
                errors.append(f"incident: {status} {incident}")
                continue
            t0 = time.perf_counter()
            status, created = api(base, boss, f"/api/v1/incidents/{incident['id']}/assignments/",
                                  {"resources": [unit_id]}, timeout=30)
            if status != 201:
                errors.append(f"dispatch: {status} {created}")
                continue
            responded.append(time.perf_counter() - t0)
            sent[created[0]["id"]] = (unit_id, t0)
            next_at += interval
            time.sleep(max(0.0, next_at - time.perf_counter()))

    async def scenario():
        bare = await _bare_round_trip()
        await asyncio.to_thread(_quiet_database)
        await asyncio.sleep(11)
        db_no_sockets = await _db_rate(IDLE_S)
        rss_idle = sum(_rss_kb(d.pid) for d in daphnes)
        tasks, t_connect = [], time.perf_counter()
        for start in range(0, len(units), 50):  # open in batches, as phones would trickle in
            batch = []
            for index, (unit_id, token) in enumerate(units[start:start + 50], start):
                ready = asyncio.get_running_loop().create_future()
                tasks.append(asyncio.create_task(listen(index, unit_id, token, ready)))
                batch.append(ready)
            await asyncio.gather(*batch)
        connect_s = time.perf_counter() - t_connect
        # Let the sockets' replays finish and late statistics arrive: idle means idle.
        await asyncio.to_thread(_quiet_database)
        await asyncio.sleep(11)
        rss_connected = sum(_rss_kb(d.pid) for d in daphnes)
        db_idle = await _db_rate(IDLE_S)
        t_start = time.perf_counter()
        deadline = t_start + SECONDS
        await asyncio.gather(*(asyncio.to_thread(dispatcher, i, deadline, DISPATCHERS / RATE)
                               for i in range(DISPATCHERS)))
        elapsed = time.perf_counter() - t_start
        # Wait for the last frames (bounded; what is missing after this is lost).
        wait_until = time.perf_counter() + 60
        while time.perf_counter() < wait_until:
            got = {f["payload"]["id"] for frames in received.values() for f, _ in frames
                   if f["type"] == "assignment.created"}
            if set(sent) <= got:
                break
            await asyncio.sleep(0.5)
        rss_end = sum(_rss_kb(d.pid) for d in daphnes)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        return rss_idle, rss_connected, rss_end, elapsed, connect_s, bare, db_no_sockets, db_idle

    try:
        rss_idle, rss_connected, rss_end, elapsed, connect_s, bare, db_no_sockets, db_idle = run_async(scenario)
    finally:
        for daphne in daphnes:
            stop_process(daphne)

    latencies, lost, duplicated, misrouted = [], [], [], []
    for unit_id, frames in received.items():
        seqs = [f["seq"] for f, _ in frames]
        if len(seqs) != len(set(seqs)):
            duplicated.append(unit_id)
        for frame, _t in frames:
            if frame["type"].startswith("assignment.") and frame["payload"]["resource"]["id"] != unit_id:
                misrouted.append((unit_id, frame["seq"]))
    for assignment_id, (unit_id, t0) in sent.items():
        arrivals = [t for f, t in received[unit_id] if f["type"] == "assignment.created"
                    and f["payload"]["id"] == assignment_id]
        if not arrivals:
            lost.append(assignment_id)
        elif len(arrivals) > 1:
            duplicated.append(assignment_id)
        else:
            latencies.append(arrivals[0] - t0)

    where = "one Daphne" if processes == 1 else f"{processes} Daphne processes"
    print(f"\n== Soak: {CONNECTIONS} responder websockets on {where}, {SECONDS:.0f} s at {RATE}/s target "
          f"({platform.node()} · {os.cpu_count()} CPUs · Python {platform.python_version()})")
    print(f"   connections opened in {connect_s:.1f} s")
    print(f"   dispatched {len(sent)} (each with a new incident) in {elapsed:.1f} s: "
          f"{len(sent) / elapsed:.2f} dispatches/s, {2 * len(sent) / elapsed:.2f} API writes/s")
    if latencies:
        print(f"   push latency POST /assignments/ → responder frame: p50 {_percentile(latencies, 50) * 1000:.1f} ms"
              f"   p99 {_percentile(latencies, 99) * 1000:.1f} ms   mean {statistics.fmean(latencies) * 1000:.1f} ms"
              f"   max {max(latencies) * 1000:.1f} ms   n={len(latencies)}")
    if responded:
        print(f"   … of which the dispatch request itself: p50 {_percentile(responded, 50) * 1000:.1f} ms"
              f"   p99 {_percentile(responded, 99) * 1000:.1f} ms")
    print(f"   baseline: bare Channels group round trip through Redis p50 {_percentile(bare, 50) * 1000:.2f} ms"
          f"   p99 {_percentile(bare, 99) * 1000:.2f} ms")
    print(f"   database while idle (pg_stat_database, transactions/s): {db_idle:.1f} with {CONNECTIONS} sockets open"
          f" (baseline, no socket: {db_no_sockets:.1f})")
    print(f"   Daphne RSS idle {rss_idle / 1024:.1f} MiB, with {CONNECTIONS} sockets {rss_connected / 1024:.1f} MiB "
          f"→ {(rss_connected - rss_idle) / CONNECTIONS:.1f} KiB per connection; after the run {rss_end / 1024:.1f} MiB")
    print(f"   errors {len(errors)}, lost {len(lost)}, duplicated {len(duplicated)}, misrouted {len(misrouted)}")
    assert not errors, errors[:10]
    assert not lost, f"{len(lost)} assignments never reached their unit: {lost[:10]}"
    assert not duplicated, duplicated[:10]
    assert not misrouted, misrouted[:10]
    assert len(sent) >= max(1, int(SECONDS * RATE * 0.5)), "the dispatchers fell far behind the target rate"
