"""Load: SOAK_CONNECTIONS responder websockets on one Daphne while dispatchers log incidents and
dispatch at a steady rate for SOAK_SECONDS. Run with `make soak`.

Asserted: nothing lost, nothing duplicated, no error (HTTP, websocket, or a frame reaching the
wrong unit). Printed, never asserted: throughput, push latency p50/p99, memory per connection.
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

CONNECTIONS = int(os.environ.get("SOAK_CONNECTIONS", "500"))
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


def test_soak(settings):
    import websockets

    units, boss = _district(CONNECTIONS)
    port = free_port()
    daphne = start_daphne(port)
    base = f"http://127.0.0.1:{port}"
    ws_url = f"ws://127.0.0.1:{port}/ws/stream/?since=0"
    received: dict[int, list[tuple[dict, float]]] = {unit: [] for unit, _ in units}
    errors: list[str] = []
    sent: dict[int, tuple[int, float]] = {}  # assignment id → (unit id, t0)

    async def listen(unit_id, token, ready):
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
            sent[created[0]["id"]] = (unit_id, t0)
            next_at += interval
            time.sleep(max(0.0, next_at - time.perf_counter()))

    async def scenario():
        rss_idle = _rss_kb(daphne.pid)
        tasks, t_connect = [], time.perf_counter()
        for start in range(0, len(units), 50):  # open in batches, as phones would trickle in
            batch = []
            for unit_id, token in units[start:start + 50]:
                ready = asyncio.get_running_loop().create_future()
                tasks.append(asyncio.create_task(listen(unit_id, token, ready)))
                batch.append(ready)
            await asyncio.gather(*batch)
        connect_s = time.perf_counter() - t_connect
        await asyncio.sleep(2)
        rss_connected = _rss_kb(daphne.pid)
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
        rss_end = _rss_kb(daphne.pid)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        return rss_idle, rss_connected, rss_end, elapsed, connect_s

    try:
        rss_idle, rss_connected, rss_end, elapsed, connect_s = run_async(scenario)
    finally:
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

    print(f"\n== Soak: {CONNECTIONS} responder websockets on one Daphne, {SECONDS:.0f} s at {RATE}/s target "
          f"({platform.node()} · {os.cpu_count()} CPUs · Python {platform.python_version()})")
    print(f"   connections opened in {connect_s:.1f} s")
    print(f"   dispatched {len(sent)} (each with a new incident) in {elapsed:.1f} s: "
          f"{len(sent) / elapsed:.2f} dispatches/s, {2 * len(sent) / elapsed:.2f} API writes/s")
    if latencies:
        print(f"   push latency POST /assignments/ → responder frame: p50 {_percentile(latencies, 50) * 1000:.1f} ms"
              f"   p99 {_percentile(latencies, 99) * 1000:.1f} ms   mean {statistics.fmean(latencies) * 1000:.1f} ms"
              f"   max {max(latencies) * 1000:.1f} ms   n={len(latencies)}")
    print(f"   Daphne RSS idle {rss_idle / 1024:.1f} MiB, with {CONNECTIONS} sockets {rss_connected / 1024:.1f} MiB "
          f"→ {(rss_connected - rss_idle) / CONNECTIONS:.1f} KiB per connection; after the run {rss_end / 1024:.1f} MiB")
    print(f"   errors {len(errors)}, lost {len(lost)}, duplicated {len(duplicated)}, misrouted {len(misrouted)}")
    assert not errors, errors[:10]
    assert not lost, f"{len(lost)} assignments never reached their unit: {lost[:10]}"
    assert not duplicated, duplicated[:10]
    assert not misrouted, misrouted[:10]
    assert len(sent) >= max(1, int(SECONDS * RATE * 0.5)), "the dispatchers fell far behind the target rate"
