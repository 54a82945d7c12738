"""The MQTT ingester: broker → batches → store.readings_store → alarms (docs/operations.md, "Sensor ingest that keeps going").

- MQTT v5, shared subscription `$share/<group>/<prefix>/points/+` and `…/gateways/+`: any
  number of ingesters split the load; the broker gives each message to one of them.
- QoS 1 with a persistent session (clean start off, a session expiry) and manual
  acknowledgement: a message is acknowledged only after the batch holding it has committed.
  A crash before that means the broker sends it again; the store is idempotent on
  (point, ts), so it is stored once. Messages published while the ingester is down wait in
  its session at the broker.
- Broker gone: reconnect with exponential backoff and jitter, for ever. Database gone: the
  batch is not acknowledged; the ingester drops the connection so the broker redelivers.
- Bad input never stops it: each unusable message becomes one dead letter (naming its bad items);
  input PostgreSQL refuses too (a refused batch is split down to the message at fault).

Django's ORM is synchronous: every database call runs in one dedicated thread, which keeps
its connection.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import logging
import random
import secrets
import time
from dataclasses import dataclass, field

import aiomqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from core import mqtt
from monitoring import mqtt_adapter

log = logging.getLogger(__name__)


SESSION_EXPIRY_S = 7 * 24 * 3600
RECEIVE_MAXIMUM = 20000  # un-acknowledged messages the broker may have in flight to us


def broker_address(url: str) -> tuple[str, int]:
    """(host, port) of mqtt:// or mqtts:// URL; credentials and TLS: core.mqtt.aiomqtt_kwargs."""
    broker = mqtt.parse(url)
    return broker.host, broker.port


def client_auth(url: str) -> dict:
    """username, password and tls_context of MQTT_URL for aiomqtt.Client (MQTT_CA_FILE: the CA)."""
    from django.conf import settings

    kwargs = mqtt.aiomqtt_kwargs(url, settings.MQTT_CA_FILE)
    return {k: kwargs[k] for k in ("username", "password", "tls_context") if k in kwargs}


def topics(prefix: str, group: str | None) -> list[str]:
    from monitoring import topics as registered  # kinds registered by apps above (park/gates/+ …)

    base = [f"{prefix}/points/+", f"{prefix}/gateways/+", *(f"{prefix}/{k}/+" for k in registered.kinds())]
    return [f"$share/{group}/{t}" for t in base] if group else base


class StoreFailed(Exception):
    """The database step of a batch failed (the database is unreachable): the batch stays
    unacknowledged and the ingester reconnects, so that the broker sends it again."""


def default_client_id(instance: str = "1") -> str:
    """This install's client id for ingester `instance`: stable across restarts (the broker
    keeps the persistent session and its queued readings for it), unique to the install and
    the instance, and unguessable (an HMAC under a secret kept in var/ or MQTT_CLIENT_ID_SECRET),
    so that nobody can connect with it and take the session over."""
    import hashlib
    import hmac
    import os
    import secrets
    from pathlib import Path

    from django.conf import settings

    secret = settings.MQTT_CLIENT_ID_SECRET or ""
    if not secret:
        path = Path(settings.BASE_DIR) / "var" / "mqtt-client-id.secret"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass  # another instance created it at the same moment
            else:
                with os.fdopen(fd, "w") as f:
                    f.write(secrets.token_hex(32))
        secret = path.read_text().strip()
    digest = hmac.new(secret.encode(), f"ingest:{instance}".encode(), hashlib.sha256).hexdigest()[:32]
    return f"ingest-{instance[:16]}-{digest}"


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
    """One ingester. `handler` (tests and the bench's raw baseline only) replaces the database
    step: it gets each batch as [(topic, payload)] and answers the counters' dict; everything
    MQTT (client, session, QoS, acknowledgement after the handler returns) stays the same."""

    def __init__(self, *, url: str, prefix: str = "park", group: str | None = "ingest", client_id: str | None = None,
                 batch_size: int = 5000, batch_readings: int = 2000, batch_wait_s: float = 0.1,
                 offline_check_s: float = 5.0, backoff_max_s: float = 30.0, backoff_reset_s: float = 10.0,
                 point_ids_ttl_s: float = 60.0,
                 handler=None, fast: bool | None = None):
        self.host, self.port = broker_address(url)
        self.auth = client_auth(url)
        self.prefix = prefix
        self.group = group
        # Without one given: unique to this process and unguessable (not kept across restarts).
        self.client_id = client_id or f"ingest-{secrets.token_hex(16)}"
        self.batch_size = batch_size  # messages
        # A batch is cut at this many readings or after batch_wait_s, whichever comes first:
        # a batch stored in well under a second keeps a limit crossing on the console within
        # a second under load (the batches queue behind each other when they are large).
        self.batch_readings = batch_readings
        self.batch_wait_s = batch_wait_s
        self.offline_check_s = offline_check_s
        self.backoff_max_s = backoff_max_s
        self.backoff_reset_s = backoff_reset_s
        self.attempt = 0
        self.last_delay = 0.0
        self.attempts = collections.deque(maxlen=50)  # the attempt number of each reconnection, newest last
        self._connected_at: float | None = None
        self.counters = Counters()
        # The libraries' internals only in the versions they are tested with (monitoring.mqtt_adapter).
        self.fast = mqtt_adapter.fast_default() if fast is None else fast
        self.connected = asyncio.Event()
        self._handler = handler or self._store
        self._db = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-db")
        # code → id, so a batch does not look every code up; forgotten now and then, so a
        # point created or deleted meanwhile is seen.
        self._point_ids: dict[str, int] = {}
        self._point_ids_ttl_s = point_ids_ttl_s
        self._point_ids_at = time.monotonic()

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Connect, consume, reconnect; until `stop` is set."""
        stop = stop or asyncio.Event()
        self.attempt = 0
        checker = asyncio.create_task(self._offline_checks(stop)) if self._handler == self._store else None
        try:
            while not stop.is_set():
                self._connected_at = None
                try:
                    await self._session(stop)
                    self.attempt = 0
                except (aiomqtt.MqttError, OSError, StoreFailed) as exc:
                    if isinstance(exc, StoreFailed):
                        # PostgreSQL away (a failover, a restart; issue 26): the batch was not
                        # acknowledged, and leaving the MQTT session makes the broker send it again
                        # once we are back. The dead connection is closed, so the next batch opens a
                        # fresh one (to the new primary): an ingester that exits here would leave
                        # the park's sensors unread until someone restarted it.
                        try:
                            await asyncio.get_running_loop().run_in_executor(self._db, _close_db)
                        except Exception:  # noqa: BLE001 - closing a dead connection may fail too
                            pass
                    self.connected.clear()
                    # A connection that held for a while was a good one: the next failure starts
                    # the backoff from the beginning again.
                    if self._connected_at is not None and time.monotonic() - self._connected_at >= self.backoff_reset_s:
                        self.attempt = 0
                    self.attempt += 1
                    self.attempts.append(self.attempt)
                    delay = self.backoff_delay(self.attempt)
                    self.last_delay = delay
                    log.warning("MQTT ingest from %s:%s stopped (%s); reconnecting in %.1f s", self.host, self.port,
                                exc, delay)
                    try:
                        await asyncio.wait_for(stop.wait(), delay)
                    except TimeoutError:
                        pass
        finally:
            if checker:
                checker.cancel()
            self.connected.clear()
            if self._handler == self._store:
                await asyncio.get_running_loop().run_in_executor(self._db, _close_db)
            self._db.shutdown(wait=True)

    async def _session(self, stop: asyncio.Event) -> None:
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = SESSION_EXPIRY_S
        props.ReceiveMaximum = RECEIVE_MAXIMUM
        client = aiomqtt.Client(self.host, self.port, **self.auth, identifier=self.client_id,
                                protocol=aiomqtt.ProtocolVersion.V5, clean_start=False, properties=props,
                                keepalive=30, timeout=10)
        reader = mqtt_adapter.session(client, fast=self.fast)
        async with client:
            self.counters.connects += 1
            for topic in topics(self.prefix, self.group):
                granted = await client.subscribe(topic, qos=1)
                # A broker whose ACLs refuse us (wrong identity, a role without park/#) answers
                # the subscription with a failure, not a disconnect: say so and retry.
                if any(getattr(code, "is_failure", False) or code == 128 for code in granted or ()):
                    raise aiomqtt.MqttError(f"the broker refused the subscription {topic!r} (ACL)")
            reader.start()
            self.connected.set()
            self._connected_at = time.monotonic()
            # Not the whole client id: whoever reads the log could take the session over with it.
            log.info("ingesting %s from %s:%s as %s… (%s)", topics(self.prefix, self.group), self.host, self.port,
                     self.client_id[:12], "fast path" if self.fast else "public API")
            queued = reader.queued_nowait if self.fast else None
            gateways = f"{self.prefix}/gateways/"
            stopping = asyncio.create_task(stop.wait())
            try:
                while not stop.is_set():
                    first = await reader.next(stopping, None)
                    if first is None:
                        break
                    deadline = time.monotonic() + self.batch_wait_s
                    batch = [first]
                    # A gateway's message holds many readings: count them roughly by size
                    # (about 60 bytes a reading) rather than decode here.
                    readings = _estimate(first, gateways)
                    while len(batch) < self.batch_size and readings < self.batch_readings:
                        # What is already queued is taken without a wait (one message at a time
                        # through asyncio.wait would cost more than storing it).
                        message = queued() if queued else await reader.queued()
                        if message is None:
                            remaining = deadline - time.monotonic()
                            if remaining <= 0:
                                break
                            message = await reader.next(stopping, remaining)
                            if message is None:
                                break
                        batch.append(message)
                        readings += _estimate(message, gateways)
                        if time.monotonic() >= deadline:
                            break
                    await self._flush(reader, batch)
            finally:
                stopping.cancel()
                reader.close()

    def backoff_delay(self, attempt: int) -> float:
        """Exponential with jitter: about 1, 2, 4 … s, at most backoff_max_s."""
        return min(self.backoff_max_s, 0.5 * 2 ** min(attempt, 8)) * (0.5 + random.random() / 2)

    async def _flush(self, reader, batch: list) -> None:
        items = [(m.topic.value, m.payload) for m in batch]
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(self._db, self._handler, items)
        except Exception as exc:  # noqa: BLE001 - whatever it was, the batch is not acknowledged
            log.exception("storing a batch of %s messages failed; it will come again", len(batch))
            raise StoreFailed(str(exc)) from exc
        reader.ack(batch)
        self.counters.messages += len(batch)
        self.counters.batches += 1
        self.counters.readings += result["readings"]
        self.counters.stored += result["stored"]
        self.counters.duplicates += result["duplicates"]
        self.counters.dead += result["dead"]
        self.counters.transitions += result["transitions"]

    def _store(self, items: list[tuple[str, bytes]]) -> dict:
        """In the database thread: parse, store, dead-letter, in one transaction, so that when
        it commits every message of the batch has its readings or its dead letter stored (and
        only then is it acknowledged). A batch the database refuses is split until the message
        at fault is found: it becomes a dead letter, the others are stored. Raising here (the
        database is unreachable) leaves the batch unacknowledged, and the connection is dropped
        so that the broker sends it again."""
        from django.db import close_old_connections, transaction

        from monitoring import parsing, services, sources
        from monitoring import topics as registered

        close_old_connections()
        if time.monotonic() - self._point_ids_at > self._point_ids_ttl_s:
            self._point_ids.clear()
            self._point_ids_at = time.monotonic()
        groups: list[tuple[int, list]] = []  # (message index, its readings)
        letters: dict[int, list[str]] = {}  # message index → the reasons it is (partly) unusable
        window = parsing.Window()
        row = parsing.row
        decode = parsing.decode
        prefix = self.prefix + "/"
        readings = 0
        others: dict[str, list[tuple[int, str, bytes]]] = {}  # registered kinds' messages
        for n, (topic, payload) in enumerate(items):
            kind, code = _route(topic, prefix)
            try:
                if kind == "points":
                    groups.append((n, [row(decode(payload), window, code)]))
                    readings += 1
                elif kind == "gateways":
                    data = decode(payload)
                    good, bad = sources.gateway_filter(code, data, *parsing.rows(data, window))
                    if good:
                        groups.append((n, good))
                        readings += len(good)
                    if bad:
                        letters[n] = [f"[{i}] {reason}" for i, reason in bad]
                elif registered.handler(kind) is not None:
                    others.setdefault(kind, []).append((n, code, payload))
                else:
                    letters[n] = ["unknown topic"]
            except parsing.PayloadError as exc:
                letters[n] = [str(exc)]
        totals = {"readings": readings, "stored": 0, "duplicates": 0, "transitions": 0}
        with transaction.atomic():
            self._store_groups(groups, letters, totals)
            for kind, messages in others.items():
                self._store_other(registered.handler(kind), messages, letters)
                totals["readings"] += len(messages)
            if letters:
                services.dead_letters_record(items=[
                    ("mqtt", items[n][0], "; ".join(reasons), _text(items[n][1]), len(reasons))
                    for n, reasons in sorted(letters.items())])
        return {**totals, "dead": len(letters)}

    def _store_groups(self, groups: list[tuple[int, list]], letters: dict[int, list[str]], totals: dict) -> None:
        """Store the readings of these messages (a savepoint); if the database refuses them,
        each half on its own, down to the one message at fault."""
        from django.db import DatabaseError, InterfaceError, OperationalError

        from monitoring import store

        if not groups:
            return
        rows = [r for _n, rs in groups for r in rs]
        origin = [n for n, rs in groups for _r in rs]
        try:
            result = store.rows_store(rows=rows, point_ids=self._point_ids)  # atomic: a savepoint here
        except (OperationalError, InterfaceError):
            raise  # the database is gone, not the input at fault: nothing is acknowledged
        except (DatabaseError, ValueError) as exc:  # psycopg refuses some text (NUL) before sending it
            if len(groups) == 1:
                log.warning("message refused by the database: %s", exc)
                letters.setdefault(groups[0][0], []).append(f"refused by the database: {exc}")
                return
            half = len(groups) // 2
            self._store_groups(groups[:half], letters, totals)
            self._store_groups(groups[half:], letters, totals)
            return
        for index, code in result.unknown:
            letters.setdefault(origin[index], []).append(f"unknown point {code!r}")
        totals["stored"] += result.stored
        totals["duplicates"] += result.duplicates
        totals["transitions"] += result.transitions

    def _store_other(self, handler, messages: list[tuple[int, str, bytes]], letters: dict[int, list[str]]) -> None:
        """A registered kind's messages (monitoring.topics) in a savepoint; refused by the
        database, each message on its own, so only the one at fault becomes a dead letter."""
        from django.db import DatabaseError, InterfaceError, OperationalError, transaction

        try:
            with transaction.atomic():
                found = handler(messages)
        except (OperationalError, InterfaceError):
            raise
        except (DatabaseError, ValueError) as exc:
            if len(messages) == 1:
                log.warning("message refused by the database: %s", exc)
                letters.setdefault(messages[0][0], []).append(f"refused by the database: {exc}")
                return
            for message in messages:
                self._store_other(handler, [message], letters)
            return
        for n, reasons in found.items():
            letters.setdefault(n, []).extend(reasons)

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


def _estimate(message, gateways: str) -> int:
    return len(message.payload) // 60 + 1 if message.topic.value.startswith(gateways) else 1


def _route(topic: str, prefix: str) -> tuple[str, str]:
    """(kind, code) of <prefix>/<kind>/<code>; `prefix` ends with "/"."""
    rest = topic[len(prefix):] if topic.startswith(prefix) else ""
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
