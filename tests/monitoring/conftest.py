"""Fixtures for park monitoring: a real Mosquitto of our own (so a test may restart it), a
topic prefix per test (parallel runs never cross), points, and ingesters in threads."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point

from tests.conftest import free_port

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


class Broker:
    """Our own Mosquitto as bootstrap makes it (devices/broker_home.py): no anonymous clients,
    the dynamic security plugin, credentials on `port`, TLS with a development CA on `tls_port`.
    Its identities: the admin (device administration), the ingesters, and a test harness that
    may publish any point or gateway topic under a test prefix (`publisher`); devices get
    their own through devices.services (`device_publisher`)."""

    HARNESS_USER = "test-harness"

    def __init__(self):
        from devices import broker_home

        self.port = free_port()
        self.tls_port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="monitor-mqtt-"))
        self.dir.chmod(0o777)  # mosquitto started as root writes its log as the mosquitto user
        self.info = broker_home.prepare(self.dir, port=self.port, tls_port=self.tls_port,
                                        prefixes=["park", "+/park"], persistence=False)
        self.conf = Path(self.info["conf"])
        self.harness_password = uuid.uuid4().hex
        self._add_harness()
        self.proc = None

    def _add_harness(self):
        """Written into the plugin's initial state (before the first start), as bootstrap writes
        the ingesters' identity."""
        from devices import broker_home

        state_file = self.dir / "dynamic-security.json"
        state = json.loads(state_file.read_text())
        if any(c["username"] == self.HARNESS_USER for c in state["clients"]):
            return
        state["roles"].append({"rolename": "test-harness", "acls": [
            {"acltype": "publishClientSend", "topic": f"+/park/{kind}/+", "allow": True, "priority": 0}
            for kind in ("points", "gateways", "gates", "vehicles")]})
        state["clients"].append({"username": self.HARNESS_USER, "roles": [{"rolename": "test-harness"}],
                                 **broker_home.password_hash(self.harness_password)})
        state_file.write_text(json.dumps(state))

    @property
    def url(self) -> str:
        """The ingesters' identity, as MQTT_URL carries it."""
        return f"mqtt://{self.info['ingest_user']}:{self.info['ingest_password']}@127.0.0.1:{self.port}"

    @property
    def tls_url(self) -> str:
        return f"mqtts://{self.info['ingest_user']}:{self.info['ingest_password']}@127.0.0.1:{self.tls_port}"

    @property
    def admin_url(self) -> str:
        return f"mqtt://{self.info['admin_user']}:{self.info['admin_password']}@127.0.0.1:{self.port}"

    @property
    def ca_file(self) -> str:
        return self.info["ca"]

    def start(self):
        self.proc = subprocess.Popen([MOSQUITTO, "-c", str(self.conf)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        wait_until(self._listening, what="mosquitto listening")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None

    def _listening(self):
        import socket

        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", self.port)) == 0


@pytest.fixture(scope="session")
def broker():
    from django.test import override_settings

    b = Broker()
    b.start()
    # The application's identities point at this broker for the whole session.
    overrides = override_settings(MQTT_URL=b.url, MQTT_ADMIN_URL=b.admin_url, MQTT_CA_FILE=b.ca_file)
    overrides.enable()
    yield b
    overrides.disable()
    b.stop()
    shutil.rmtree(b.dir, ignore_errors=True)


@pytest.fixture
def prefix(settings):
    """A topic prefix of this test alone."""
    value = f"t{uuid.uuid4().hex[:10]}/park"
    settings.MQTT_TOPIC_PREFIX = value
    return value


def wait_until(predicate, *, timeout: float = 60, what: str = "condition", every: float = 0.05):
    """Wait for something to become true; fails (with `what`) only if it never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(every)
    raise AssertionError(f"gave up waiting for {what}")


class Publisher:
    """A plain paho-mqtt v2 client (MQTT v5), publishing synchronously, as `username`."""

    def __init__(self, broker_port: int, client_id: str | None = None, *, username: str | None = None,
                 password: str | None = None):
        import paho.mqtt.client as mqtt

        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id or f"pub-{uuid.uuid4().hex[:8]}",
                                  protocol=mqtt.MQTTv5)
        self.client.max_inflight_messages_set(1000)
        self.client.max_queued_messages_set(0)
        self.refused: list[str] = []  # topics the broker refused (PUBACK "not authorised")
        self.client.on_publish = self._on_publish
        self._topics: dict[int, str] = {}
        if username:
            self.client.username_pw_set(username, password)
        self.client.connect("127.0.0.1", broker_port)
        self.client.loop_start()

    def _on_publish(self, client, userdata, mid, reason, properties):
        if reason.is_failure:
            self.refused.append(self._topics.get(mid, "?"))

    def publish(self, topic: str, payload, qos: int = 1, wait: bool = True):
        body = payload if isinstance(payload, bytes | str) else json.dumps(payload)
        info = self.client.publish(topic, body, qos=qos)
        self._topics[info.mid] = topic
        if wait:
            info.wait_for_publish(10)
        return info

    def close(self):
        self.client.loop_stop()
        self.client.disconnect()


@pytest.fixture
def publisher(broker):
    """The test harness identity: publishes any point or gateway topic under a test prefix."""
    pub = Publisher(broker.port, username=Broker.HARNESS_USER, password=broker.harness_password)
    yield pub
    pub.close()


@pytest.fixture
def iot_admin(db):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser(f"iot-{uuid.uuid4().hex[:6]}", password="x-admin-pass-2026")


@pytest.fixture
def onboard(broker, prefix, iot_admin):
    """Onboard a device through the application (the broker learns it through dynsec):
    onboard("GW1", kind="gateway", points=["P1"]) → (device, secrets)."""
    from devices import services

    made = []

    def _onboard(code, *, kind="gateway", points=(), **fields):
        device, issued = services.device_create(actor=iot_admin, code=code, kind=kind, points=list(points), **fields)
        made.append(device)
        return device, issued

    yield _onboard
    # The database forgets them after the test; the session's broker must too.
    from devices import dynsec

    for device in made:
        dynsec.client_delete(device.mqtt_username)
        dynsec.role_delete(services.ROLE_PREFIX + device.code)


@pytest.fixture
def device_publisher(broker, onboard):
    """Publish as device X: device_publisher("GW1", kind="gateway", points=["P1"]) → a Publisher
    connected with that device's own credentials (and .device, .secrets)."""
    publishers = []

    def _make(code, **kwargs):
        device, issued = onboard(code, **kwargs)
        pub = Publisher(broker.port, username=issued["mqtt_username"], password=issued["mqtt_password"])
        pub.device, pub.secrets = device, issued
        publishers.append(pub)
        return pub

    yield _make
    for pub in publishers:
        pub.close()


@pytest.fixture
def make_device(db):
    """A registered device in the database only (no broker): for the HTTP readings API, which
    checks tokens against the registry. make_device("GW1", points=[...]) → (device, token)."""
    import secrets

    from core.tokens import token_hash
    from devices.models import Device
    from monitoring.models import MonitoringPoint

    def _make(code, *, kind="gateway", points=(), **fields):
        token = "dvt_" + secrets.token_urlsafe(32)
        device = Device.objects.create(code=code, kind=kind, mqtt_username=f"dev-{code}", token_hash=token_hash(token),
                                       **fields)
        device.points.set(MonitoringPoint.objects.filter(code__in=list(points)))
        return device, token

    return _make


class IngesterThread:
    """A monitoring.ingest.Ingester running in its own thread and event loop."""

    def __init__(self, **kwargs):
        from monitoring.ingest import Ingester

        self.kwargs = kwargs
        self.ingester = None
        self._make = lambda: Ingester(**kwargs)
        self._loop = None
        self._stop = None
        self._thread = None
        self.error = None

    def start(self):
        ready = threading.Event()

        def main():
            async def run():
                self._loop = asyncio.get_running_loop()
                self._stop = asyncio.Event()
                self.ingester = self._make()
                ready.set()
                await self.ingester.run(self._stop)

            try:
                asyncio.run(run())
            except BaseException as exc:  # noqa: BLE001 - reported by the test
                self.error = exc
                ready.set()

        self._thread = threading.Thread(target=main, daemon=True)
        self._thread.start()
        ready.wait(10)
        wait_until(lambda: self.error is not None or self.ingester.connected.is_set(), what="ingester connected")
        assert self.error is None, self.error
        return self

    def stop(self):
        if self._loop and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
            self._thread.join(30)
        assert self.error is None, self.error

    @property
    def counters(self):
        return self.ingester.counters


@pytest.fixture
def start_ingester(broker, prefix):
    started = []

    def _start(**kwargs):
        kwargs = {"url": broker.url, "prefix": prefix, "group": "ingest", "batch_wait_s": 0.02,
                  "offline_check_s": 3600, "backoff_max_s": 1, **kwargs}
        thread = IngesterThread(**kwargs).start()
        started.append(thread)
        return thread

    yield _start
    for thread in started:
        thread.stop()


@pytest.fixture
def make_point(db):
    from monitoring.models import MonitoringPoint

    def _make(code="GAS1", **fields):
        defaults = {"name": f"Detector {code}", "kind": "toxic_gas", "unit": "ppm", "location": Point(113.66, 22.65),
                    "range_min": 0, "range_max": 100, "limit_h": 20, "limit_hh": 40, "deadband": 2, "delay_s": 3,
                    "interval_s": 5}
        return MonitoringPoint.objects.create(code=code, **{**defaults, **fields})

    return _make


@pytest.fixture
def ingest_user(make_user):
    from core.roles import INGEST

    return make_user("gateway_t", INGEST)


def readings_count(point_id=None) -> int:
    from monitoring.models import Reading

    qs = Reading.objects.all()
    if point_id is not None:
        qs = qs.filter(point_id=point_id)
    return qs.count()


