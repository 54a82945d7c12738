"""The MQTT ingester: broker → batches → store.readings_store → alarms (DESIGN.md "Sensors and alarms").

- MQTT v5, shared subscription `$share/<group>/<prefix>/points/+` and `…/gateways/+`: any
  number of ingesters split the load; the broker gives each message to one of them.
- QoS 1 with a persistent session (clean start off, a session expiry) and manual
  acknowledgement: a message is acknowledged only after the batch holding it has committed.
  A crash before that means the broker sends it again; the store is idempotent on
  (point, ts), so it is stored once. Messages published while the ingester is down wait in
  its session at the broker.
- Broker gone: reconnect with exponential backoff and jitter, for ever. Database gone: the
  batch is not acknowledged; the ingester drops the connection so the broker redelivers.
- Bad input never stops it: each unusable message or reading becomes a dead letter.

Django's ORM is synchronous: every database call runs in one dedicated thread, which keeps
its connection.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import random
import socket
import time
from dataclasses import dataclass, field
from urllib.parse import urlparse

import aiomqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

log = logging.getLogger(__name__)

SESSION_EXPIRY_S = 7 * 24 * 3600
RECEIVE_MAXIMUM = 20000  # un-acknowledged messages the broker may have in flight to us


def broker_address(url: str) -> tuple[str, int]:
    parsed = urlparse(url)
    if parsed.scheme not in ("mqtt", "tcp", ""):
        raise ValueError(f"MQTT_URL must be mqtt://host:port, got {url!r}")
    return parsed.hostname or "127.0.0.1", parsed.port or 1883


def topics(prefix: str, group: str | None) -> list[str]:
    base = [f"{prefix}/points/+", f"{prefix}/gateways/+"]
    return [f"$share/{group}/{t}" for t in base] if group else base


@dataclass
class Counters:
    messages: int = 0
    readings: int = 0
    stored: int = 0
    duplicates: int = 0
    dead: int = 0
    batches: int = 0
    transitions: int = 0
    connects: int = 0
    started: float = field(default_factory=time.monotonic)

    def line(self) -> str:
        return (f"messages={self.messages} readings={self.readings} stored={self.stored} "
                f"duplicates={self.duplicates} dead_letters={self.dead} transitions={self.transitions} "
                f"batches={self.batches} connects={self.connects}")


class Ingester:
    def __init__(self, *, url: str, prefix: str = "park", group: str | None = "ingest", client_id: str | None = None,
                 batch_size: int = 5000, batch_bytes: int = 512 * 1024, batch_wait_s: float = 0.05, offline_check_s: float = 5.0,
                 backoff_max_s: float = 30.0):
        self.host, self.port = broker_address(url)
        self.prefix = prefix
        self.group = group
        self.client_id = client_id or f"ingest-{socket.gethostname()}-{random.randrange(16**6):06x}"
        self.batch_size = batch_size  # messages
        # A batch is also cut at this many payload bytes (about 8,000 readings of a gateway):
        # small enough that a limit crossing is on the console within a second under load.
        self.batch_bytes = batch_bytes
        self.batch_wait_s = batch_wait_s
        self.offline_check_s = offline_check_s
        self.backoff_max_s = backoff_max_s
        self.counters = Counters()
        self.connected = asyncio.Event()
        self._db = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-db")
        self._point_ids: dict[str, int] = {}

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Connect, consume, reconnect; until `stop` is set."""
        stop = stop or asyncio.Event()
        attempt = 0
        checker = asyncio.create_task(self._offline_checks(stop))
        try:
            while not stop.is_set():
                try:
                    await self._session(stop)
                    attempt = 0
                except (aiomqtt.MqttError, OSError) as exc:
                    self.connected.clear()
                    attempt += 1
                    delay = min(self.backoff_max_s, 0.5 * 2 ** min(attempt, 8)) * (0.5 + random.random() / 2)
                    log.warning("MQTT connection to %s:%s lost (%s); retrying in %.1f s", self.host, self.port,
                                exc, delay)
                    try:
                        await asyncio.wait_for(stop.wait(), delay)
                    except TimeoutError:
                        pass
        finally:
            checker.cancel()
            self.connected.clear()
            await asyncio.get_running_loop().run_in_executor(self._db, _close_db)
            self._db.shutdown(wait=True)

    async def _session(self, stop: asyncio.Event) -> None:
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = SESSION_EXPIRY_S
        props.ReceiveMaximum = RECEIVE_MAXIMUM
        client = aiomqtt.Client(self.host, self.port, identifier=self.client_id,
                                protocol=aiomqtt.ProtocolVersion.V5, clean_start=False, properties=props,
                                keepalive=30, timeout=10)
        # Acknowledge only after the readings are committed (see the module docstring).
        client._client.manual_ack_set(True)
        async with client:
            self.counters.connects += 1
            for topic in topics(self.prefix, self.group):
                await client.subscribe(topic, qos=1)
            self.connected.set()
            log.info("ingesting %s from %s:%s as %s", topics(self.prefix, self.group), self.host, self.port,
                     self.client_id)
            batch: list[aiomqtt.Message] = []
            stopping = asyncio.create_task(stop.wait())
            try:
                while not stop.is_set():
                    deadline = time.monotonic() + self.batch_wait_s
                    first = await _next_or_stop(client, stopping, None)
                    if first is None:
                        break
                    batch.append(first)
                    size = len(first.payload)
                    # Drain what is already queued, then wait briefly for more, up to the batch size.
                    while len(batch) < self.batch_size and size < self.batch_bytes:
                        remaining = deadline - time.monotonic()
                        if remaining <= 0:
                            break
                        message = await _next_or_stop(client, stopping, remaining)
                        if message is None:
                            break
                        batch.append(message)
                        size += len(message.payload)
                    await self._flush(client, batch)
                    batch = []
            finally:
                stopping.cancel()

    async def _flush(self, client: aiomqtt.Client, batch: list) -> None:
        items = [(str(m.topic), m.payload) for m in batch]
        loop = asyncio.get_running_loop()
        result = await loop.run_in_executor(self._db, self._store, items)
        for m in batch:
            if m.qos > 0:
                client._client.ack(m.mid, m.qos)
        self.counters.messages += len(batch)
        self.counters.batches += 1
        self.counters.readings += result["readings"]
        self.counters.stored += result["stored"]
        self.counters.duplicates += result["duplicates"]
        self.counters.dead += result["dead"]
        self.counters.transitions += result["transitions"]

    def _store(self, items: list[tuple[str, bytes]]) -> dict:
        """In the database thread: parse, store, dead-letter. Raising here leaves the batch
        unacknowledged (and the caller's connection is dropped so the broker resends)."""
        from django.db import close_old_connections

        from monitoring import parsing, services, store

        close_old_connections()
        readings: list[parsing.RawReading] = []
        origin: list[tuple[str, bytes]] = []  # per reading, for dead letters
        dead: list[tuple[str, str, str, str]] = []
        for topic, payload in items:
            kind, code = _route(topic, self.prefix)
            try:
                data = parsing.decode(payload)
                if kind == "points":
                    readings.append(parsing.reading(data, point=code))
                    origin.append((topic, payload))
                elif kind == "gateways":
                    good, bad = parsing.readings(data)
                    readings += good
                    origin += [(topic, payload)] * len(good)
                    dead += [("mqtt", topic, f"[{i}] {reason}", _text(payload)) for i, reason in bad]
                else:
                    dead.append(("mqtt", topic, "unknown topic", _text(payload)))
            except parsing.PayloadError as exc:
                dead.append(("mqtt", topic, str(exc), _text(payload)))
        result = store.readings_store(readings=readings, point_ids=self._point_ids)
        for index, code in result.unknown:
            topic, payload = origin[index]
            dead.append(("mqtt", topic, f"unknown point {code!r}", _text(payload)))
        if dead:
            services.dead_letters_record(items=dead)
        return {"readings": len(readings), "stored": result.stored, "duplicates": result.duplicates,
                "dead": len(dead), "transitions": result.transitions}

    async def _offline_checks(self, stop: asyncio.Event) -> None:
        from monitoring import services

        loop = asyncio.get_running_loop()
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), self.offline_check_s)
                return
            except TimeoutError:
                pass
            try:
                await loop.run_in_executor(self._db, lambda: (_fresh_db(), services.points_check_offline()))
            except Exception:  # noqa: BLE001 - the next round tries again
                log.exception("offline check failed")


async def _next_or_stop(client: aiomqtt.Client, stopping: asyncio.Task, timeout: float | None):
    """The next message, or None when stopping or after `timeout` seconds; MqttError when the
    connection dropped. Reads aiomqtt's queue directly: cancelling a wait on it is safe, unlike
    cancelling the `messages` async generator, which would close it."""
    get = asyncio.ensure_future(client._queue.get())
    disconnected = client._disconnected
    await asyncio.wait({get, stopping, disconnected}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    if get.done() or not get.cancel():
        return get.result()
    if disconnected.done():
        exc = disconnected.exception() if not disconnected.cancelled() else None
        raise exc if isinstance(exc, aiomqtt.MqttError) else aiomqtt.MqttError("disconnected")
    return None


def _route(topic: str, prefix: str) -> tuple[str, str]:
    rest = topic[len(prefix) + 1:] if topic.startswith(prefix + "/") else ""
    kind, _sep, code = rest.partition("/")
    if not code or "/" in code:
        return "", ""
    return kind, code


def _text(payload: bytes) -> str:
    return payload[:2000].decode("utf-8", errors="replace")


def _fresh_db() -> None:
    from django.db import close_old_connections

    close_old_connections()


def _close_db() -> None:
    from django.db import connection

    connection.close()
