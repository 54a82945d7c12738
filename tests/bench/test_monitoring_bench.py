"""Readings ingest through a real Mosquitto into PostgreSQL with alarm evaluation (issue 11).

Printed figures and same-run ratios; nothing asserted on time. Run with `make bench`.
Both message shapes of the contract (docs/contract.md "Park monitoring"), each measured
against its own raw baseline, all on this machine and in this run:

- `sensors`: one reading per message on park/points/<code>;
- `gateways`: batches of 100 readings on park/gateways/<id>.

For each shape:
1. baseline: the raw broker pub→sub rate of the same harness: BENCH_INGESTERS subscriber
   processes that are the ingester itself (monitoring.ingest.Ingester: same aiomqtt client,
   MQTT v5 shared subscription, QoS 1, persistent session, batching, acknowledgement after
   the batch) with the database step replaced by counting (tests/bench/mqtt_load.py `sub`),
   the publisher as fast as it can for BENCH_PEAK_S seconds or BENCH_PEAK_READINGS readings
   (three times as many for gateways);
2. sustained: the publisher at BENCH_INGEST_RATE readings/s (default 10,000) for
   BENCH_INGEST_S seconds (default 60) into BENCH_INGESTERS ingester processes (default 2),
   readings stored per second sampled; meanwhile, once a second, a limit-crossing reading on a
   probe point and the time until the console's websocket shows its `alarm.raised` frame;
3. peak: the publisher as fast as it can into the same ingesters (the same number of
   readings as phase 1), stored readings per second (until the last is stored) against it.
Then a raw COPY of the same rows into a bare table (no keys, no engine), and bytes stored per
reading.

With authentication (issue 20): phases 2 and 3 run twice in the same run, first on a plain
Mosquitto of the bench's own that lets anyone in (the same-run baseline "without
authentication"), then on the park's broker as bootstrap makes it (devices/broker_home.py:
dynamic security, deny by default, ACLs), the publisher a harness account allowed only the
bench's topics, the ingesters their own account, each gateway a registered device whose
bound points the ingesters check item by item; the engine's clock guard runs in both. The
authenticated figures are printed with their ratio to the unauthenticated ones.
BENCH_MQTT_URL=mqtt://user:pass@host:port (or mqtts://, with BENCH_MQTT_CAFILE) measures another
broker instead of the bench's own secured one: the ingesters' account; BENCH_MQTT_PUB_URL the
publisher's (default: BENCH_MQTT_URL), BENCH_MQTT_PREFIX the topic prefix its ACLs allow
(default "park").
BENCH_SHAPES (default "sensors,gateways") picks the shapes; BENCH_INGEST_ROOT runs
the ingesters from another checkout of the project (to measure an older version with this
harness).
"""

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from rest_framework.authtoken.models import Token

from devices.models import Device
from monitoring.models import MonitoringPoint, Reading
from tests.conftest import free_port, start_daphne, stop_process
from tests.monitoring.conftest import MOSQUITTO, Broker, wait_until

from .conftest import percentile

pytestmark = pytest.mark.django_db(transaction=True)

RATE = float(os.environ.get("BENCH_INGEST_RATE", "10000"))
SECONDS = float(os.environ.get("BENCH_INGEST_S", "60"))
PEAK_SECONDS = float(os.environ.get("BENCH_PEAK_S", "15"))
# A peak publishes at most this many readings: a publisher much faster than the subscribers
# would otherwise fill their queues at the broker (max_queued_messages) and messages be dropped.
# Gateways: three times as many (a tenth of the messages), so that the raw rate is not
# measured over a second or less.
PEAK_READINGS = int(os.environ.get("BENCH_PEAK_READINGS", "150000"))
PEAK_MOST = {"sensors": PEAK_READINGS, "gateways": 3 * PEAK_READINGS}
INGESTERS = int(os.environ.get("BENCH_INGESTERS", "2"))
POINTS = 1000
PROBES = 100  # per shape
PROBE_WAIT_S = 30
SHAPES = os.environ.get("BENCH_SHAPES", "sensors,gateways").split(",")
INGEST_ROOT = Path(os.environ.get("BENCH_INGEST_ROOT") or Path(__file__).resolve().parents[2])
LOAD = str(Path(__file__).with_name("mqtt_load.py"))
AUTH_URL = os.environ.get("BENCH_MQTT_URL", "")
AUTH_PUB_URL = os.environ.get("BENCH_MQTT_PUB_URL", "") or AUTH_URL
AUTH_PREFIX = os.environ.get("BENCH_MQTT_PREFIX", "park")


class Target:
    """Where the bench publishes (pub_url) and where the ingesters read (url)."""

    def __init__(self, url: str, pub_url: str | None = None):
        self.url = url
        self.pub_url = pub_url or url


class OpenBroker:
    """The same-run baseline: a Mosquitto of the bench's own with no authentication and no ACLs
    (loopback only, for these minutes), configured as the secured one is otherwise."""

    def __init__(self):
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="bench-open-mqtt-"))
        self.dir.chmod(0o777)
        self.conf = self.dir / "mosquitto.conf"
        self.conf.write_text(f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
                             "max_queued_messages 200000\nmax_inflight_messages 0\n")
        self.url = f"mqtt://127.0.0.1:{self.port}"
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen([MOSQUITTO, "-c", str(self.conf)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        wait_until(self._listening, what="the open mosquitto listening")

    def _listening(self):
        import socket

        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", self.port)) == 0

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


def _points():
    common = {"kind": "level", "unit": "%", "location": Point(113.66, 22.65, srid=4326), "range_min": 0,
              "range_max": 100, "limit_h": 20, "limit_hh": 40, "deadband": 1, "interval_s": 3600}
    MonitoringPoint.objects.bulk_create(
        [MonitoringPoint(code=f"B{i:05d}", name=f"Bench {i}", delay_s=5, **common) for i in range(POINTS)]
        + [MonitoringPoint(code=f"PROBE{i:03d}", name=f"Probe {i}", delay_s=0, **common)
           for i in range(PROBES * len(SHAPES) * 2)])
    # The gateways of the `gateways` shape are registered devices, each bound to the 100 points
    # it reports (mqtt_load.py: gw-<n> sends B<n*100>..): the ingesters check every item.
    points = list(MonitoringPoint.objects.filter(code__startswith="B").order_by("code"))
    for n in range(POINTS // 100):
        gateway = Device.objects.create(code=f"gw-{n}", kind="gateway", mqtt_username=f"bench-gw-{n}")
        gateway.points.set(points[n * 100:(n + 1) * 100])


def _count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM monitoring_reading")
        return cursor.fetchone()[0]


def _run_load(*args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, LOAD, *map(str, args)], stdout=subprocess.PIPE, text=True)


def _result(proc) -> dict:
    out, _ = proc.communicate(timeout=600)
    return json.loads(out.strip().splitlines()[-1])


def _raw_rate(broker, prefix, shape) -> tuple[float, float]:
    """Phase 1: (readings/s received by the raw subscribers, readings/s offered by the publisher)."""
    subs = [_run_load("sub", broker.url, prefix, PEAK_SECONDS + 120, f"bench-raw-{shape}-{n}-{os.getpid()}")
            for n in range(INGESTERS)]
    for proc in subs:
        assert json.loads(proc.stdout.readline())["ready"]
    published = _result(_run_load("pub", broker.pub_url, prefix, shape, POINTS, 0, PEAK_SECONDS, PEAK_MOST[shape]))
    seen = [_result(proc) for proc in subs]
    received = sum(s["readings"] for s in seen)
    assert received == published["readings"]  # QoS 1: every reading reached a subscriber
    span = max(s["last"] for s in seen if s["last"]) - min(s["first"] for s in seen if s["first"])
    return received / span, published["readings"] / published["seconds"]


def _ratio(x: float, y: float) -> str:
    return f"{x / y:.2f}×" if y else "n/a"


def _start_ingesters(broker, prefix, name="bench-ingest"):
    db = connection.settings_dict
    url = f"postgis://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(INGEST_ROOT), "MQTT_URL": broker.url,
           "MQTT_TOPIC_PREFIX": prefix,
           "DJANGO_SETTINGS_MODULE": "command.settings", "LOG_LEVEL": "INFO"}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    logs = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    return [subprocess.Popen([sys.executable, "manage.py", "monitoring_ingest", "--client-id", f"{name}-{n}",
                              "--stats-every", "5"], cwd=INGEST_ROOT, env=env, stdout=(logs / f"{n}.log").open("w"),
                             stderr=subprocess.STDOUT) for n in range(INGESTERS)], logs


def _sampler(stop: threading.Event, samples: list):
    from django.db import connection as thread_connection

    while not stop.is_set():
        samples.append((time.monotonic(), _count()))
        stop.wait(1)
    thread_connection.close()


def _latency_probes(port, token, broker, prefix, seconds, first_probe, out: list, published: list, late: list):
    """Once a second a probe point crosses its H limit (on-delay 0); time to the alarm.raised frame."""
    import websockets

    from tests.bench.mqtt_load import parse_url, tls_context

    target = parse_url(broker.pub_url)
    pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"bench-probe-{first_probe}-{time.time_ns()}",
                      protocol=mqtt.MQTTv5)
    if target["username"] is not None:
        pub.username_pw_set(target["username"], target["password"])
    if target["tls"]:
        pub.tls_set_context(tls_context())
    pub.connect(target["host"], target["port"])
    pub.loop_start()

    async def run():
        async with websockets.connect(f"ws://127.0.0.1:{port}/ws/stream/",
                                      additional_headers={"Authorization": f"Token {token}"}) as ws:
            end = time.monotonic() + seconds
            n = 0
            while time.monotonic() < end and n < PROBES:
                code = f"PROBE{first_probe + n:03d}"
                t0 = time.perf_counter()
                pub.publish(f"{prefix}/points/{code}", json.dumps({"ts": int(time.time() * 1000), "value": 30}), qos=1)
                published.append(code)
                n += 1
                # A probe whose frame has not come within PROBE_WAIT_S (an ingester far behind on a
                # loaded machine) is counted as late, and the next probe goes on.
                try:
                    while True:
                        frame = json.loads(await asyncio.wait_for(ws.recv(), max(0.1, PROBE_WAIT_S - (time.perf_counter() - t0))))
                        if frame["type"] == "alarm.raised" and frame["payload"]["point"]["code"] == code:
                            break
                except TimeoutError:
                    late.append(code)
                    continue
                out.append(time.perf_counter() - t0)
                await asyncio.sleep(max(0.0, 1 - (time.perf_counter() - t0)))

    try:
        asyncio.run(run())
    finally:
        pub.loop_stop()
        pub.disconnect()


def _ingest_phases(broker, prefix, shape, port, token, first_probe, logs) -> dict:
    """Phases 2 and 3 for one shape."""
    samples, latencies, published, late = [], [], [], []
    stop = threading.Event()
    sampler = threading.Thread(target=_sampler, args=(stop, samples), daemon=True)
    prober = threading.Thread(target=_latency_probes,
                              args=(port, token, broker, prefix, SECONDS, first_probe, latencies, published, late),
                              daemon=True)
    before = _count()
    sampler.start()
    prober.start()
    t_start = time.monotonic()
    sustained = _result(_run_load("pub", broker.pub_url, prefix, shape, POINTS, RATE, SECONDS))
    t_pub_end = time.monotonic()
    prober.join(PROBE_WAIT_S + 30)
    probes = len(published)
    try:
        wait_until(lambda: _count() >= before + sustained["readings"] + probes, timeout=300,
                   what="the backlog to drain", every=0.5)
    except AssertionError:
        for log in sorted(logs.iterdir()):
            print(log, log.read_text()[-3000:])
        raise
    t_drained = time.monotonic()
    stop.set()
    sampler.join()
    stored = _count() - before
    assert stored == sustained["readings"] + probes  # each reading stored exactly once
    in_load = [(a, b) for a, b in zip(samples, samples[1:], strict=False) if t_start <= a[0] and b[0] <= t_pub_end]
    per_second = [(b[1] - a[1]) / (b[0] - a[0]) for a, b in in_load]

    # 3. Peak: as fast as the publisher can.
    before, t0 = _count(), time.monotonic()
    peak = _result(_run_load("pub", broker.pub_url, prefix, shape, POINTS, 0, PEAK_SECONDS, PEAK_MOST[shape]))
    wait_until(lambda: _count() >= before + peak["readings"], timeout=600, what="the peak to drain", every=0.2)
    peak_rate = (_count() - before) / (time.monotonic() - t0)
    return {"offered": sustained["readings"] / sustained["seconds"], "per_second": per_second,
            "window": ((in_load[-1][1][1] - in_load[0][0][1]) / (in_load[-1][1][0] - in_load[0][0][0])) if in_load else 0,
            "drain": t_drained - t_pub_end, "stored": stored, "peak": peak_rate,
            "peak_offered": peak["readings"] / peak["seconds"], "latencies": latencies, "late": len(late)}


def test_readings_ingest_throughput_and_alarm_latency(make_user):
    _points()
    console = make_user("bench_console", "duty_officer")
    token = Token.objects.create(user=console).key
    open_broker, own = OpenBroker(), Broker()
    open_broker.start()
    own.start()
    broker = Target(open_broker.url)
    if AUTH_URL:
        secured, secured_prefix, secured_name = Target(AUTH_URL, AUTH_PUB_URL), AUTH_PREFIX, AUTH_URL.split("@")[-1]
    else:
        harness = f"mqtt://{Broker.HARNESS_USER}:{own.harness_password}@127.0.0.1:{own.port}"
        secured, secured_prefix = Target(own.url, harness), f"bench{os.getpid()}s/park"
        secured_name = "the bench's own, as bootstrap makes it (dynamic security, ACLs)"
    prefix = f"bench{os.getpid()}/park"
    port = free_port()
    daphne = start_daphne(port)
    ingesters = []
    raw, figures, authenticated = {}, {}, {}
    try:
        # 1. The raw broker pub→sub rate of this harness, per shape, before any ingester runs
        # (its own topic prefix, so the ingesters never see these messages).
        for shape in SHAPES:
            raw[shape] = _raw_rate(broker, f"raw{os.getpid()}/park", shape)

        ingesters, logs = _start_ingesters(broker, prefix)
        # Messages published before an ingester's first subscription reach nobody: wait for both.
        wait_until(lambda: all("ingesting ['$share" in log.read_text() for log in logs.iterdir()), timeout=120,
                   what="the ingesters to subscribe", every=0.2)
        for n, shape in enumerate(SHAPES):
            figures[shape] = _ingest_phases(broker, prefix, shape, port, token, n * PROBES, logs)
        for proc in ingesters:
            stop_process(proc, grace=10)
        ingesters = []
        # The same phases through the authenticating broker, with the park's own credentials.
        ingesters, logs = _start_ingesters(secured, secured_prefix, name=f"bench-ingest-auth-{os.getpid()}")
        wait_until(lambda: all("ingesting ['$share" in log.read_text() for log in logs.iterdir()), timeout=120,
                   what="the authenticated ingesters to subscribe", every=0.2)
        for n, shape in enumerate(SHAPES):
            authenticated[shape] = _ingest_phases(secured, secured_prefix, shape, port, token,
                                                  (len(SHAPES) + n) * PROBES, logs)
    finally:
        for proc in ingesters:
            stop_process(proc, grace=10)
        stop_process(daphne)
        own.stop()
        open_broker.stop()

    # Raw COPY of the same rows, and storage per reading.
    rows = min(_count(), 300_000)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_copy (point_id bigint, ts timestamptz, value double precision)")
        cursor.execute("SELECT point_id, ts, value FROM monitoring_reading LIMIT %s", [rows])
        data = cursor.fetchall()
        t0 = time.perf_counter()
        with cursor.cursor.copy("COPY bench_copy FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["int8", "timestamptz", "float8"])
            for row in data:
                copy.write_row(row)
        copy_rate = rows / (time.perf_counter() - t0)
        cursor.execute("SELECT pg_total_relation_size('monitoring_reading'), pg_relation_size('monitoring_reading')")
        total_bytes, heap_bytes = cursor.fetchone()
    count = Reading.objects.count()

    print(f"\n== Readings ingest, MQTT → PostgreSQL with alarm evaluation ({os.cpu_count()} CPUs, "
          f"{INGESTERS} ingesters, {POINTS} points; ingesters from {INGEST_ROOT})")
    for shape in SHAPES:
        raw_rate, raw_offered = raw[shape]
        f = figures[shape]
        label = "one reading per message" if shape == "sensors" else "gateway batches of 100"
        print(f"-- {shape} ({label})")
        print(f"   raw broker pub→sub (baseline, same harness)      {raw_rate:10.0f} readings/s "
              f"(publisher {raw_offered:.0f}/s)")
        print(f"   sustained: published at {RATE:.0f}/s for {SECONDS:.0f} s        {f['offered']:10.0f} readings/s offered")
        if f["per_second"]:
            ps = f["per_second"]
            print(f"   stored during the load: {f['window']:.0f}/s over the window; per second mean "
                  f"{sum(ps) / len(ps):.0f}, p10 {percentile(ps, 10):.0f}, min {min(ps):.0f}")
        print(f"   backlog drained {f['drain']:.1f} s after the publisher stopped; {f['stored']} readings stored, "
              f"each once")
        print(f"   peak ingest (publisher as fast as it can, {f['peak_offered']:.0f}/s) {f['peak']:10.0f} readings/s"
              f"   = {f['peak'] / raw_rate:.2f}× the raw broker rate")
        lat = f["latencies"]
        if lat:
            print(f"   limit-crossing reading → console alarm.raised frame under load: "
                  f"p50 {percentile(lat, 50) * 1000:.0f} ms, p99 {percentile(lat, 99) * 1000:.0f} ms, "
                  f"max {max(lat) * 1000:.0f} ms, n={len(lat)}; {f['late']} later than {PROBE_WAIT_S} s")
    for shape in authenticated:
        a, f = authenticated[shape], figures[shape]
        print(f"-- {shape}, authenticated broker: {secured_name} (ratio to the unauthenticated run above)")
        print(f"   sustained: published at {RATE:.0f}/s for {SECONDS:.0f} s        {a['offered']:10.0f} readings/s offered")
        print(f"   stored during the load: {a['window']:.0f}/s over the window  = {_ratio(a['window'], f['window'])}")
        print(f"   backlog drained {a['drain']:.1f} s after the publisher stopped; {a['stored']} readings stored, each once")
        print(f"   peak ingest {a['peak']:.0f} readings/s  = {_ratio(a['peak'], f['peak'])}")
        if a["latencies"] and f["latencies"]:
            p99, base = percentile(a["latencies"], 99), percentile(f["latencies"], 99)
            print(f"   alarm latency p50 {percentile(a['latencies'], 50) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms "
                  f"(n={len(a['latencies'])}; {a['late']} later than {PROBE_WAIT_S} s)  = {_ratio(p99, base)} at p99")
    print(f"   raw COPY of the same rows (baseline)             {copy_rate:10.0f} rows/s")
    print(f"   bytes per reading: {total_bytes / count:.1f} with indexes, {heap_bytes / count:.1f} heap "
          f"({count} rows)")
