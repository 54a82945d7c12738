"""The event stream: a durable log in PostgreSQL with a Redis doorbell.

Only services call `emit`. It must run inside the service's transaction: the event row
commits or rolls back with the change it describes, and the Redis notice is sent only
after commit: one message per commit to the hubs' group (one hub per process,
command.streamhub), carrying the highest seq and the audiences it touched. Channels delivers
at most once, so a hub always reads the events themselves from the database.

This module imports no domain app: every app may import it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import queue
import threading
from collections.abc import Iterable

from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from core import events
from core.models import Event, StreamRestore

log = logging.getLogger(__name__)

CONSOLE = "console"
# Every process's stream hub (command.streamhub) listens on this one group: one doorbell per
# commit per process, whatever the number of sockets (no per-socket group, no "over capacity").
HUB_GROUP = "stream.hub"
# A person's sign-in, role or unit changed (logout, token revoked, deactivated, moved): the
# hubs re-check that user's open sockets at once (resources.services emits it).
ACCOUNT_CHANGED = "account.changed"
# Officers on a duty shift right now (plans.selectors.is_on_duty), whatever their role.
DUTY = "duty"
# Park safety supervisors (safety app): every enterprise's ledger events.
SAFETY = "safety"
# Any constant works; it only has to be the same in every process.
_SEQ_LOCK_KEY = 7_301_526

# The audience names in use. A user receives the union of theirs (command.consumers).
def audience_user(user_id: int) -> str:
    return f"user:{user_id}"


def audience_unit(resource_id: int) -> str:
    return f"unit:{resource_id}"


def audience_enterprise(enterprise_id: int) -> str:
    """The safety officers bound to one enterprise (safety.models.EnterpriseMembership)."""
    return f"enterprise:{enterprise_id}"


# Every audience a consumer can join (command.consumers.audiences_for): fixed names, and
# "<kind>:<id>" with a numeric id. emit refuses anything else, so no event goes to nobody.
# A new kind needs its constructor here and a join in command.consumers.audiences_for.
FIXED_AUDIENCES = frozenset({CONSOLE, DUTY, SAFETY})
AUDIENCE_KINDS = frozenset({"user", "unit", "enterprise"})


def joinable(audience: str) -> bool:
    if audience in FIXED_AUDIENCES:
        return True
    kind, _sep, ident = audience.partition(":")
    return kind in AUDIENCE_KINDS and ident.isascii() and ident.isdigit()


def publish(event_type: events.EventType | str, *subject) -> Event:
    """Emit a registered event type: its audience rule and payload builder take `subject`."""
    declared = events.declared(str(event_type))
    return emit(audiences=declared.audiences_for(*subject), type=declared.name,
                payload=declared.payload_for(*subject))


def emit(*, audiences: Iterable[str], type: str, payload: dict) -> Event:
    """Append an event to the log inside the current transaction and ring after commit.

    The type must be registered (core.events) and every audience joinable. The insert
    takes a transaction-scoped advisory lock in the same statement, before the seq is
    drawn, so seqs become visible in the order they were drawn: a reader that sees seq N
    also sees every seq below N. Without it, a transaction that drew 104 but committed
    after 105 would be skipped by a client resuming from 105. Callers emit at the end of
    their transaction to keep the lock short.
    """
    return emit_many([(audiences, type, payload)])[0]


def publish_many(items: Iterable[tuple[events.EventType | str, tuple]], *, along=()) -> list[Event]:
    """`publish` for several events at once: [(event type, subject tuple), ...], in that order."""
    batch = []
    for event_type, subject in items:
        declared = events.declared(str(event_type))
        batch.append((declared.audiences_for(*subject), declared.name, declared.payload_for(*subject)))
    return emit_many(batch, along=along)


def emit_many(items: Iterable[tuple[Iterable[str], str, dict]], *, along=()) -> list[Event]:
    """`emit` for several events (audiences, type, payload) in one statement: one round trip and
    one advisory lock; the seqs are consecutive in the given order. Same rules as `emit`.

    `along`: the service's own writes as data-modifying CTEs [(name, sql, params), ...] run in
    the same statement (dispatch, issue 15: one round trip for all its rows and its events).
    They must not read the events; PostgreSQL runs each exactly once, in this transaction."""
    if not connection.in_atomic_block:
        raise RuntimeError("core.stream.emit must be called inside a transaction")
    rows = []
    for audiences, type_, payload in items:
        events.declared(type_)
        audiences = sorted(set(audiences))
        if not audiences:
            raise ValueError("an event needs at least one audience")
        strays = [a for a in audiences if not joinable(a)]
        if strays:
            raise ValueError(f"no consumer joins the audiences {strays} (core.stream.AUDIENCE_KINDS)")
        rows.append((audiences, type_, _jsonable(payload)))
    if not rows:
        return []
    at = timezone.now()
    values = ", ".join(["(%s::varchar[], %s, %s::jsonb, %s::timestamptz, %s)"] * len(rows))
    prelude = "".join(f"{name} AS ({sql}), " for name, sql, _params in along)
    params = [p for _name, _sql, sql_params in along for p in sql_params] + [_SEQ_LOCK_KEY]
    for n, (audiences, type_, payload) in enumerate(rows):
        params += [audiences, type_, json.dumps(payload), at, n]
    with connection.cursor() as cursor:
        # Rows are inserted in the ORDER BY's order, so the seqs (drawn per row) follow it.
        cursor.execute(
            f"WITH {prelude}seq_lock AS (SELECT pg_advisory_xact_lock(%s)) "
            f"INSERT INTO {Event._meta.db_table} (audiences, type, payload, at) "
            f"SELECT v.audiences, v.type, v.payload, v.at FROM seq_lock, (VALUES {values}) "
            f"AS v(audiences, type, payload, at, n) ORDER BY v.n RETURNING seq",
            params,
        )
        seqs = sorted(row[0] for row in cursor.fetchall())
    batch = _doorbells()
    created = []
    for seq, (audiences, type_, payload) in zip(seqs, rows, strict=True):
        created.append(Event(seq=seq, audiences=audiences, type=type_, payload=payload, at=at))
        batch.add(seq, audiences)
    transaction.on_commit(batch.flush)
    for event in created:  # other apps' reactions, in this transaction (core.events.subscribe)
        for handler in events.subscribers(event.type):
            handler(event)
    return created


class _Doorbells:
    """The doorbell of one transaction, rung once after it commits: the highest seq per
    audience, so each hub learns whether any of its sockets has something new."""

    def __init__(self):
        self.latest: dict[str, int] = {}

    def add(self, seq: int, audiences: Iterable[str]) -> None:
        for audience in audiences:
            self.latest[audience] = max(seq, self.latest.get(audience, 0))

    def flush(self) -> None:
        latest, self.latest = self.latest, {}
        if getattr(connection, "_stream_doorbells", None) is self:
            connection._stream_doorbells = None
        if latest:
            ring(latest)


def _doorbells() -> _Doorbells:
    # One batch per connection until it is flushed. A batch left by a rolled-back
    # transaction only adds doorbells for seqs nobody will read: harmless, and the next
    # commit clears it.
    current = getattr(connection, "_stream_doorbells", None)
    if current is None:
        current = _Doorbells()
        connection._stream_doorbells = current
    return current


def ring(latest: dict[str, int]) -> None:
    """Tell live consumers which seq each audience has reached. Best effort by design: if
    Redis is down the write has still committed and clients catch up by polling or on
    reconnect.

    The committing request does not wait for Redis: local hubs (command.streamhub) are woken
    in-process at once, and the Redis doorbell for every process is handed to one
    bell-ringer thread, which merges what queues up meanwhile (issue 15: the request pays
    microseconds, not a Redis round trip)."""
    if not latest:
        return
    for listener in list(_local_listeners):
        try:
            listener(latest)
        except Exception:  # noqa: BLE001 - a listener must never fail a committed write
            log.warning("stream: local doorbell listener failed", exc_info=True)
    _bellringer.submit(latest)


# In-process listeners for after-commit doorbells (each process's stream hub registers one).
_local_listeners: list = []


def add_local_listener(callback) -> None:
    _local_listeners.append(callback)


def remove_local_listener(callback) -> None:
    try:
        _local_listeners.remove(callback)
    except ValueError:
        pass


class _Bellringer:
    """One daemon thread per process with an event loop of its own, ringing Redis doorbells."""

    def __init__(self):
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        self.thread: threading.Thread | None = None
        self.pid = None
        self.lock = threading.Lock()

    def submit(self, latest: dict[str, int]) -> None:
        if self.thread is None or not self.thread.is_alive() or self.pid != os.getpid():
            with self.lock:
                if self.thread is None or not self.thread.is_alive() or self.pid != os.getpid():
                    self.queue = queue.SimpleQueue()
                    self.pid = os.getpid()
                    self.thread = threading.Thread(target=self._run, name="stream-bellringer", daemon=True)
                    self.thread.start()
        self.queue.put(dict(latest))

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        while True:
            merged = self.queue.get()
            while True:  # everything that queued up meanwhile goes in the same round of bells
                try:
                    more = self.queue.get_nowait()
                except queue.Empty:
                    break
                for audience, seq in more.items():
                    merged[audience] = max(seq, merged.get(audience, 0))
            layer = get_channel_layer()
            if layer is None:
                continue
            try:
                loop.run_until_complete(_ring_all(layer, merged))
            except Exception:  # noqa: BLE001 - a lost doorbell must never fail a committed write
                log.warning("stream doorbells %s not delivered", merged, exc_info=True)


_bellringer = _Bellringer()


async def _ring_all(layer, latest: dict[str, int]) -> None:
    # One message to the hubs' group, whatever the number of audiences or sockets: the hubs
    # (command.streamhub) are the only listeners; sockets hold no channel of their own.
    await layer.group_send(HUB_GROUP, {"type": "stream.doorbell", "seq": max(latest.values()),
                                       "audiences": sorted(latest)})


def events_since(*, since: int, audiences: Iterable[str], limit: int = 500) -> list[Event]:
    return list(
        Event.objects.filter(seq__gt=since, audiences__overlap=list(audiences)).order_by("seq")[:limit]
    )


def last_seq() -> int:
    event = Event.objects.order_by("-seq").only("seq").first()
    return event.seq if event else 0


# How far the sequence moves on after a restore: more events than the lost history can have
# held (a district writes tens of thousands a day), and still room for billions of restores
# below 2**53, the largest integer a browser's JSON number holds exactly.
RESTORE_GAP = 1_000_000_000


def restore_continue(*, gap: int = RESTORE_GAP, note: str = "") -> StreamRestore:
    """Run once after the database was restored from a backup (issue 26, docs/operations.md).

    A point-in-time restore brings the event log back to an earlier seq, while clients may
    hold later seqs handed out by the history the restore dropped. Without this, new events
    would reuse those numbers: a client resuming from one of them would be accepted and miss
    the new events below it, silently, and every running hub's cursor would skip them. So the
    sequence moves on past anything the lost history can have used, and the lost range is
    recorded: the consumer refuses a `since` inside it with 4400 (reload), as it refuses one
    past the end of the log.
    """
    if gap < 1:
        raise ValueError("the gap must be at least 1")
    table = Event._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        # The emitters' lock: no event is numbered while the sequence moves.
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_SEQ_LOCK_KEY])
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'seq')", [table])
        sequence = cursor.fetchone()[0]
        cursor.execute(f"SELECT last_value FROM {sequence}")  # noqa: S608 - a name PostgreSQL gave
        drawn = cursor.fetchone()[0]
        kept = last_seq()
        resume = max(kept, drawn) + gap
        cursor.execute("SELECT setval(%s, %s, true)", [sequence, resume])
        return StreamRestore.objects.create(after_seq=kept, resume_seq=resume, note=note[:300])


def _jsonable(payload: dict) -> dict:
    return json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
