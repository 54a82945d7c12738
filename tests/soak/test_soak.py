"""Load: SOAK_CONNECTIONS responder websockets (5,000 by default, the district's phones) on one
Daphne, and again spread over two Daphne processes (the way production runs), while dispatchers
log incidents and dispatch at a steady rate for SOAK_SECONDS. Run with `make soak`.

The sockets live in SOAK_CLIENT_PROCESSES processes of their own (tests/soak/clients.py), which
stamp each frame on arrival and do nothing else per frame; the dispatchers are threads of this
process, which runs no event loop meanwhile. So "push" is the server's time (request start →
frame received, one CLOCK_MONOTONIC for every process, the alignment checked and printed), not
the load generator's: the clients' own event-loop lag is printed beside it.

Asserted: nothing lost, nothing duplicated, no error (HTTP, websocket, or a frame reaching the
wrong unit). Printed, never asserted: throughput, push latency p50/p99, memory per connection,
database transactions per second while the sockets sit idle (pg_stat_database), CPU seconds of
each process, and the same run's baselines (a bare Channels round trip through Redis; the
database with no socket open).
"""

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

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
CLIENT_PROCESSES = int(os.environ.get("SOAK_CLIENT_PROCESSES", "2"))
DRAIN_S = float(os.environ.get("SOAK_DRAIN_SECONDS", "10"))  # after the last dispatch: later is lost
ROOT = Path(__file__).resolve().parents[2]


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds a process has used so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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


def _db_rate(seconds: float) -> float:
    """Transactions per second in the test database over `seconds` (minus this probe's own).
    Backends report their counts up to 10 s late when idle: the caller waits that out first."""
    before = _db_transactions()
    time.sleep(seconds)
    after = _db_transactions()
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


class _Clients:
    """One tests/soak/clients.py process holding a share of the sockets."""

    def __init__(self, sockets, workdir, n):
        self.spec = Path(workdir) / f"clients{n}.json"
        self.out = Path(workdir) / f"frames{n}.json"
        self.spec.write_text(json.dumps({"sockets": sockets}))
        env = {**os.environ}
        env.pop("DJANGO_SETTINGS_MODULE", None)
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.soak.clients", str(self.spec), str(self.out)],
                                     cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     bufsize=1)
        self.loop = self._expect("loop")

    def _expect(self, word):
        line = self.proc.stdout.readline().split()
        if not line or line[0] != word:
            raise RuntimeError(f"soak clients: expected {word!r}, got {line!r} (exit {self.proc.poll()})")
        return line[1]

    def _say(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def ready(self) -> float:
        return float(self._expect("ready"))

    def clock_offset(self, rounds=50) -> tuple[float, float]:
        """(offset, ± bound) in ms of the clients' CLOCK_MONOTONIC against ours, from the
        round trip with the smallest delay (NTP's rule): it should be 0 ± a fraction of a ms."""
        best = None
        for _ in range(rounds):
            t1 = time.monotonic_ns()
            self._say("clock")
            theirs = int(self._expect("clock"))
            t2 = time.monotonic_ns()
            if best is None or t2 - t1 < best[1]:
                best = (theirs - (t1 + t2) / 2, t2 - t1)
        return best[0] / 1e6, best[1] / 2e6

    def reset_lag(self):
        self._say("lag-reset")

    def stop(self) -> dict:
        self._say("stop")
        self.proc.wait(120)
        return json.loads(self.out.read_text())

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


def _soak(processes):
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 2 * CONNECTIONS + 1000)), hard))
    units, boss = _district(CONNECTIONS)
    ports = [free_port() for _ in range(processes)]
    daphnes = [start_daphne(port) for port in ports]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    errors: list[str] = []
    sent: dict[int, tuple[int, int, int]] = {}  # assignment id → (unit id, request start ns, response ns)
    lock = threading.Lock()
    workdir = tempfile.mkdtemp(prefix="soak-")
    shares = [[] for _ in range(CLIENT_PROCESSES)]
    for index, (unit_id, token) in enumerate(units):
        url = f"ws://127.0.0.1:{ports[index % processes]}/ws/stream/?since=0"
        shares[(index // processes) % CLIENT_PROCESSES].append((unit_id, token, url))
    clients: list[_Clients] = []

    def dispatcher(index, deadline, interval):
        base = bases[index % processes]  # dispatches go through every process
        free = [u for i, (u, _) in enumerate(units) if i % DISPATCHERS == index]
        next_at = time.monotonic()
        while time.monotonic() < deadline and free:
            unit_id = free.pop(0)
            status, incident = api(base, boss, "/api/v1/incidents/", {
                "type": "fire", "severity": "IV", "title": f"soak {unit_id}",
                "location": {"type": "Point", "coordinates": [113.55, 22.75]}}, timeout=30)
            if status != 201:
                errors.append(f"incident: {status} {incident}")
                continue
            t0 = time.monotonic_ns()
            status, created = api(base, boss, f"/api/v1/incidents/{incident['id']}/assignments/",
                                  {"resources": [unit_id]}, timeout=30)
            t1 = time.monotonic_ns()
            if status != 201:
                errors.append(f"dispatch: {status} {created}")
                continue
            with lock:
                sent[created[0]["id"]] = (unit_id, t0, t1)
            next_at += interval
            time.sleep(max(0.0, next_at - time.monotonic()))

    try:
        bare = run_async(_bare_round_trip)
        _quiet_database()
        time.sleep(11)
        db_no_sockets = _db_rate(IDLE_S)
        rss_idle = sum(_rss_kb(d.pid) for d in daphnes)
        t_connect = time.monotonic()
        clients = [_Clients(share, workdir, n) for n, share in enumerate(shares) if share]
        client_connect = [c.ready() for c in clients]
        connect_s = time.monotonic() - t_connect
        # Let the sockets' replays finish and late statistics arrive: idle means idle.
        _quiet_database()
        time.sleep(11)
        rss_connected = sum(_rss_kb(d.pid) for d in daphnes)
        db_idle = _db_rate(IDLE_S)
        offsets = [c.clock_offset() for c in clients]
        for c in clients:
            c.reset_lag()
        cpu_before = {p.pid: _cpu_s(p.pid) for p in [*daphnes, *(c.proc for c in clients)]}
        t_start = time.monotonic()
        deadline = t_start + SECONDS
        threads = [threading.Thread(target=dispatcher, args=(i, deadline, DISPATCHERS / RATE), name=f"dispatcher{i}")
                   for i in range(DISPATCHERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - t_start
        time.sleep(DRAIN_S)  # the last frames; what has not arrived by now counts as lost
        cpu = {pid: _cpu_s(pid) - before for pid, before in cpu_before.items()}
        rss_end = sum(_rss_kb(d.pid) for d in daphnes)
        outcomes = [c.stop() for c in clients]
    finally:
        for c in clients:
            c.kill()
        for daphne in daphnes:
            stop_process(daphne)

    received: dict[int, list[tuple[dict, int]]] = {unit: [] for unit, _ in units}
    lags = []
    for outcome in outcomes:
        errors.extend(outcome["errors"])
        lags.extend(outcome["lags"])
        for unit_id, t_ns, text in outcome["frames"]:
            received[unit_id].append((json.loads(text), t_ns))
    latencies, after_response, responded, lost, duplicated, misrouted = [], [], [], [], [], []
    for unit_id, frames in received.items():
        seqs = [f["seq"] for f, _ in frames]
        if len(seqs) != len(set(seqs)):
            duplicated.append(unit_id)
        for frame, _t in frames:
            if frame["type"].startswith("assignment.") and frame["payload"]["resource"]["id"] != unit_id:
                misrouted.append((unit_id, frame["seq"]))
    for assignment_id, (unit_id, t0, t1) in sent.items():
        arrivals = [t for f, t in received[unit_id] if f["type"] == "assignment.created"
                    and f["payload"]["id"] == assignment_id]
        responded.append((t1 - t0) / 1e9)
        if not arrivals:
            lost.append(assignment_id)
        elif len(arrivals) > 1:
            duplicated.append(assignment_id)
        else:
            latencies.append((arrivals[0] - t0) / 1e9)
            after_response.append((arrivals[0] - t1) / 1e9)

    def ms(values, p):
        return f"{_percentile(values, p) * 1000:.1f} ms"

    where = "one Daphne" if processes == 1 else f"{processes} Daphne processes"
    print(f"\n== Soak: {CONNECTIONS} responder websockets on {where}, {SECONDS:.0f} s at {RATE}/s target "
          f"({platform.node()} · {os.cpu_count()} CPUs · Python {platform.python_version()} · "
          f"load average before {os.getloadavg()[0]:.2f})")
    print(f"   clients: {len(clients)} processes ({clients[0].loop if clients else '-'}), connected in "
          f"{connect_s:.1f} s ({', '.join(f'{s:.1f}' for s in client_connect)} s each)")
    print("   clock: clients' CLOCK_MONOTONIC − ours " + ", ".join(f"{o:+.3f} ± {b:.3f} ms" for o, b in offsets))
    print(f"   dispatched {len(sent)} (each with a new incident) in {elapsed:.1f} s: "
          f"{len(sent) / elapsed:.2f} dispatches/s, {2 * len(sent) / elapsed:.2f} API writes/s")
    if latencies:
        print(f"   push POST /assignments/ start → frame received: p50 {ms(latencies, 50)}   p99 {ms(latencies, 99)}"
              f"   mean {statistics.fmean(latencies) * 1000:.1f} ms   max {max(latencies) * 1000:.1f} ms"
              f"   n={len(latencies)}")
        print(f"   … the dispatch request itself: p50 {ms(responded, 50)}   p99 {ms(responded, 99)}")
        print(f"   … its response → the frame (hub fan-out, send): p50 {ms(after_response, 50)}"
              f"   p99 {ms(after_response, 99)}")
    if lags:
        print(f"   clients' event-loop lag (20 ms sleeps' overshoot): p50 {ms(lags, 50)}   p99 {ms(lags, 99)}"
              f"   max {max(lags) * 1000:.1f} ms")
    print(f"   baseline: bare Channels group round trip through Redis p50 {_percentile(bare, 50) * 1000:.2f} ms"
          f"   p99 {_percentile(bare, 99) * 1000:.2f} ms")
    names = {d.pid: f"Daphne {n}" for n, d in enumerate(daphnes)} | {c.proc.pid: f"clients {n}"
                                                                    for n, c in enumerate(clients)}
    print(f"   CPU during the {elapsed + DRAIN_S:.0f} s of dispatch and drain: "
          + ", ".join(f"{names[pid]} {seconds:.1f} s" for pid, seconds in cpu.items()))
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
