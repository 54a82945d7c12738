"""The event log: every event a service emits, durable in PostgreSQL (core.models.Event).

Only services call `emit`/`publish`. It must run inside the service's transaction: the event
row commits or rolls back with the change it describes, and the doorbell (stream.doorbell) is
rung only after commit. Channels delivers at most once, so a hub always reads the events
themselves from the database.

Every event's type is registered (core.events) and every audience joinable
(stream.audiences); under tests (STREAM_VALIDATE_PAYLOADS) its payload is checked against its
type's schema too.

This module imports no domain app: every app may import it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from core import events
from stream import audiences as audience_registry
from stream.doorbell import doorbells

# A person's sign-in, role or unit changed (logout, token revoked, deactivated, moved): the
# hubs re-check that user's open sockets at once (resources.services emits it).
ACCOUNT_CHANGED = "account.changed"
# Any constant works; it only has to be the same in every process.
_SEQ_LOCK_KEY = 7_301_526


def publish(event_type: events.EventType | str, *subject):
    """Emit a registered event type: its audience rule and payload builder take `subject`."""
    declared = events.declared(str(event_type))
    return emit(audiences=declared.audiences_for(*subject), type=declared.name,
                payload=declared.payload_for(*subject))


def emit(*, audiences: Iterable[str], type: str, payload: dict):
    """Append an event to the log inside the current transaction and ring after commit.

    The type must be registered (core.events) and every audience joinable. The insert
    takes a transaction-scoped advisory lock in the same statement, before the seq is
    drawn, so seqs become visible in the order they were drawn: a reader that sees seq N
    also sees every seq below N. Without it, a transaction that drew 104 but committed
    after 105 would be skipped by a client resuming from 105. Callers emit at the end of
    their transaction to keep the lock short.
    """
    return emit_many([(audiences, type, payload)])[0]


def hold_emitters_lock() -> None:
    """Take the emitters' advisory lock now, for the rest of the current transaction.

    For a transaction about to lock a row that other transactions lock *after* emitting (the
    SMS pacer: an escalation emits, then queues its SMS): taking this lock first keeps one lock
    order everywhere (this lock, then that row), where the other order deadlocked."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_SEQ_LOCK_KEY])


def publish_many(items: Iterable[tuple[events.EventType | str, tuple]], *, along=()) -> list:
    """`publish` for several events at once: [(event type, subject tuple), ...], in that order."""
    batch = []
    for event_type, subject in items:
        declared = events.declared(str(event_type))
        batch.append((declared.audiences_for(*subject), declared.name, declared.payload_for(*subject)))
    return emit_many(batch, along=along)


def emit_many(items: Iterable[tuple[Iterable[str], str, dict]], *, along=()) -> list:
    """`emit` for several events (audiences, type, payload) in one statement: one round trip and
    one advisory lock; the seqs are consecutive in the given order. Same rules as `emit`.

    `along`: the service's own writes as data-modifying CTEs [(name, sql, params), ...] run in
    the same statement (dispatch, issue 15: one round trip for all its rows and its events).
    They must not read the events; PostgreSQL runs each exactly once, in this transaction."""
    from core.models import Event

    if not connection.in_atomic_block:
        raise RuntimeError("stream.emit must be called inside a transaction")
    validate = settings.STREAM_VALIDATE_PAYLOADS
    rows = []
    for audiences, type_, payload in items:
        declared = events.declared(type_)
        audiences = sorted(set(audiences))
        if not audiences:
            raise ValueError("an event needs at least one audience")
        strays = [a for a in audiences if not audience_registry.joinable(a)]
        if strays:
            raise ValueError(f"no consumer joins the audiences {strays} (stream.audiences)")
        payload = _jsonable(payload)
        if validate:
            declared.check(payload)
        rows.append((audiences, type_, payload))
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
    batch = doorbells()
    created = []
    for seq, (audiences, type_, payload) in zip(seqs, rows, strict=True):
        created.append(Event(seq=seq, audiences=audiences, type=type_, payload=payload, at=at))
        batch.add(seq, audiences)
    transaction.on_commit(batch.flush)
    for event in created:  # other apps' reactions, in this transaction (core.events.subscribe)
        for handler in events.subscribers(event.type):
            handler(event)
    return created


def events_since(*, since: int, audiences: Iterable[str], limit: int = 500) -> list:
    from core.models import Event

    return list(
        Event.objects.filter(seq__gt=since, audiences__overlap=list(audiences)).order_by("seq")[:limit]
    )


def last_seq() -> int:
    from core.models import Event

    event = Event.objects.order_by("-seq").only("seq").first()
    return event.seq if event else 0


# How far the sequence moves on after a restore: more events than the lost history can have
# held (a district writes tens of thousands a day), and still room for billions of restores
# below 2**53, the largest integer a browser's JSON number holds exactly.
RESTORE_GAP = 1_000_000_000


def restore_continue(*, gap: int = RESTORE_GAP, note: str = ""):
    """Run once after the database was restored from a backup (issue 26, docs/operations.md).

    A point-in-time restore brings the event log back to an earlier seq, while clients may
    hold later seqs handed out by the history the restore dropped. Without this, new events
    would reuse those numbers: a client resuming from one of them would be accepted and miss
    the new events below it, silently, and every running hub's cursor would skip them. So the
    sequence moves on past anything the lost history can have used, and the lost range is
    recorded: the consumer refuses a `since` inside it with 4400 (reload), as it refuses one
    past the end of the log.
    """
    from core.models import Event, StreamRestore

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
