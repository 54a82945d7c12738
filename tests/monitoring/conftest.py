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
    """A Mosquitto process on a free port on loopback."""

    def __init__(self):
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="monitor-mqtt-"))
        self.dir.chmod(0o777)  # mosquitto started as root writes its log as the mosquitto user
        self.conf = self.dir / "mosquitto.conf"
        self.conf.write_text(f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
                             "max_queued_messages 200000\nmax_inflight_messages 0\n"
                             f"log_dest file {self.dir / 'mosquitto.log'}\n")
        self.proc = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

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
    b = Broker()
    b.start()
    yield b
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
    """A plain paho-mqtt v2 client (MQTT v5), publishing synchronously."""

    def __init__(self, broker_port: int, client_id: str | None = None):
        import paho.mqtt.client as mqtt

        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id or f"pub-{uuid.uuid4().hex[:8]}",
                                  protocol=mqtt.MQTTv5)
        self.client.max_inflight_messages_set(1000)
        self.client.max_queued_messages_set(0)
        self.client.connect("127.0.0.1", broker_port)
        self.client.loop_start()

    def publish(self, topic: str, payload, qos: int = 1, wait: bool = True):
        body = payload if isinstance(payload, bytes | str) else json.dumps(payload)
        info = self.client.publish(topic, body, qos=qos)
        if wait:
            info.wait_for_publish(10)
        return info

    def close(self):
        self.client.loop_stop()
        self.client.disconnect()


@pytest.fixture
def publisher(broker):
    pub = Publisher(broker.port)
    yield pub
    pub.close()


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


