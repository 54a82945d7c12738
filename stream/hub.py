"""One reader per process: the stream hub.

Every Daphne process runs one hub (per event loop). The hub alone listens to Redis (one
channel in the group `stream.HUB_GROUP`, so a commit rings each process once, whatever
its number of sockets) and alone reads new events from PostgreSQL: on a doorbell, and every
STREAM_POLL_S as a safety net for doorbells Redis lost. It reads each new event once and
fans it out to the local sockets of the event's audiences, encoding the frame once.

A socket reads the database only to replay after (re)connecting (`?since=N`). It registers
with the hub *before* replaying; while it replays, the hub buffers its live frames; when the
replay is done the socket sends the buffered frames with a seq above the last one it sent and
goes live. Why nothing is lost: an event the hub fanned out before the socket registered had
been committed before the replay started, so the replay reads it; every later one reaches the
buffer. Why nothing is sent twice or out of order: a socket sends only seqs above the last it
sent, in the order the hub (one task) or the replay (one loop) produces them.

The hub also keeps each socket's account honest (issue 16): every STREAM_RECHECK_S, and at
once when a service emits `account.changed` for a user, it re-reads the users, roles, units,
sessions and tokens of its sockets in a few batched queries; a socket follows its user's unit
(new audiences joined, old ones left) and is closed with a clear code when its user is gone,
signed out or its token revoked. Idle sockets cost no queries of their own.

Modelled on Zulip's event system (zerver/tornado/event_queue.py): one process-wide
dispatcher receives each event once and hands it to the in-memory client descriptors of its
recipients; clients resume from the last event id they saw; a descriptor is dropped rather
than allowed to grow without bound.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections import defaultdict, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial

from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models.expressions import RawSQL

import stream
from stream import audiences as audience_registry

log = logging.getLogger(__name__)

FETCH_PAGE = 500

# Close codes (4000-4999 are the application's own; RFC 6455 §7.4.2).
CLOSE_BAD_REQUEST = 4400  # `since` malformed or past the end of the log
CLOSE_SIGNED_OUT = 4401  # the session ended (logout, expiry) or the API token was revoked
CLOSE_FORBIDDEN = 4403  # no credentials, foreign origin, user deactivated or deleted
CLOSE_SLOW_READER = 4408  # the client stopped reading; reconnect with ?since=<last seq>
CLOSE_FLOOD = 4429  # more frames than STREAM_CLIENT_RATE allows
CLOSE_TOO_BIG = 1009  # a client frame over STREAM_CLIENT_MAX_FRAME bytes


def fingerprint(secret: str) -> str:
    """Names a session or token in an `account.changed` event without writing the secret down."""
    return hashlib.sha256(secret.encode()).hexdigest()[:20]


# --- who hears what -------------------------------------------------------------------

def audiences_for(user) -> list[str]:
    """The audiences a signed-in user hears (none when the account is inactive or gone), read as
    the hub reads them: the registered audiences' one query (stream.audiences)."""
    users = _active_users([user.pk])
    return users[0].stream_audiences if users else []


@dataclass
class Account:
    audiences: list[str]
    sessions: set[str] = field(default_factory=set)  # the asked session keys still signed in as this user
    tokens: set[str] = field(default_factory=set)  # the asked token keys still belonging to this user


class _StreamUser(audience_registry.StreamUser):
    """A row of `_active_users`, with Django's own session hash (AbstractBaseUser), so a session
    is judged exactly as AuthenticationMiddleware would judge it; it reads only `password`."""

    get_session_auth_hash = AbstractBaseUser.get_session_auth_hash
    _get_session_auth_hash = AbstractBaseUser._get_session_auth_hash

    def __init__(self, pk, is_superuser, password, role_names, last_seq, lost_after, values):
        from core.roles import roles_of

        super().__init__(pk=pk, roles=frozenset(roles_of(role_names, is_superuser=is_superuser)), values=values)
        self.is_superuser = is_superuser
        self.password = password
        self.last_seq = last_seq
        self.lost_after = lost_after
        self.stream_audiences = audience_registry.joined_by(self)


def _ids(values, cast: str):
    """`IN (SELECT unnest(%s::<cast>[]))`: one array parameter instead of one placeholder per
    value, so psycopg does not parse a query of 10,000 placeholders on every recheck."""
    return RawSQL(f"SELECT unnest(%s::{cast}[])", (list(values),))


def _active_users(user_ids, *, with_last_seq: bool = False, since: int | None = None) -> list[_StreamUser]:
    """Active users among `user_ids`, each with what every registered audience needs (its
    `columns`) read in the same single query: one query for one socket's handshake or for
    every socket of the process."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.contrib.postgres.expressions import ArraySubquery
    from django.db.models import BigIntegerField, OuterRef, Subquery, Value
    from django.utils import timezone

    from core.models import Event, StreamRestore

    last_seq = Subquery(Event.objects.order_by("-seq").values("seq")[:1]) if with_last_seq else Value(
        None, output_field=BigIntegerField())
    # A `since` handed out by a history that a restore dropped (issue 26); in the same query.
    lost_after = Subquery(StreamRestore.objects.filter(after_seq__lt=since, resume_seq__gte=since)
                          .values("after_seq")[:1]) if since else Value(None, output_field=BigIntegerField())
    columns = audience_registry.columns(timezone.now())
    aliases = list(columns)
    rows = (get_user_model().objects.filter(pk__in=_ids(user_ids, "bigint"), is_active=True)
            .annotate(role_names=ArraySubquery(Group.objects.filter(user=OuterRef("pk")).values("name")),
                      stream_last_seq=last_seq, stream_lost_after=lost_after, **columns)
            .values_list("pk", "is_superuser", "password", "role_names", "stream_last_seq", "stream_lost_after",
                         *aliases))
    return [_StreamUser(*row[:6], dict(zip(aliases, row[6:], strict=True))) for row in rows]


def prepare_socket(user_id: int, since: int | None = None) -> tuple[list[str] | None, int, int | None]:
    """A handshake's reads in one query: the user's audiences (None: gone), the log's last seq,
    and, when `since` lies in a range a restore from a backup dropped (core.StreamRestore), the
    last seq that restore kept (else None)."""
    users = _active_users([user_id], with_last_seq=True, since=since)
    if not users:
        return None, stream.last_seq(), None
    return users[0].stream_audiences, users[0].last_seq or 0, users[0].lost_after


def load_accounts(user_ids, session_keys=(), token_keys=()) -> dict[int, Account]:
    """Active users among `user_ids` with their audiences and still-valid credentials, in at
    most three queries whatever the number of users (missing = deactivated or deleted)."""
    from rest_framework.authtoken.models import Token

    users = _active_users(user_ids)
    if not users:
        return {}
    ids = [u.pk for u in users]
    accounts = {user.pk: Account(audiences=user.stream_audiences) for user in users}
    if token_keys:
        for key, user_id in Token.objects.filter(key__in=_ids(token_keys, "text"), user__in=_ids(ids, "bigint")
                                                 ).values_list("key", "user_id"):
            accounts[user_id].tokens.add(key)
    for key, user_id in _signed_in_sessions(session_keys, {u.pk: u for u in users}):
        accounts[user_id].sessions.add(key)
    return accounts


def _signed_in_sessions(session_keys, users):
    """(session key, user id) for the sessions that still sign in their user, as Django's own
    AuthenticationMiddleware would decide: not expired, same user, same password hash."""
    from importlib import import_module

    from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
    from django.utils import timezone
    from django.utils.crypto import constant_time_compare

    keys = [k for k in session_keys if k]
    if not keys:
        return
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if settings.SESSION_ENGINE == "django.contrib.sessions.backends.db":
        from django.contrib.sessions.models import Session

        rows = Session.objects.filter(session_key__in=_ids(keys, "text"), expire_date__gt=timezone.now()).values_list(
            "session_key", "session_data")
        decoded = ((key, store().decode(data)) for key, data in rows)
    else:
        decoded = ((key, store(session_key=key).load()) for key in keys if store().exists(key))
    for key, data in decoded:
        user = users.get(_int(data.get(SESSION_KEY)))
        if user is not None and constant_time_compare(data.get(HASH_SESSION_KEY, ""), user.get_session_auth_hash()):
            yield key, user.pk


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- reads ------------------------------------------------------------------------------

def _frames_after(cursor: int, audiences=None, limit: int = FETCH_PAGE) -> list[tuple[int, list[str], str, dict, str]]:
    """(seq, audiences, type, payload, frame text) after `cursor`, in seq order: every event for
    the hub, a socket's own audiences for a replay."""
    from core.models import Event

    events = Event.objects.filter(seq__gt=cursor)
    if audiences is not None:
        events = events.filter(audiences__overlap=list(audiences))
    return [(e.seq, e.audiences, e.type, e.payload, json.dumps(e.as_frame())) for e in events.order_by("seq")[:limit]]


# The hub reads on a thread and a connection of its own: a fan-out never queues behind an API
# request or a burst of reconnect replays, and pays no per-call connection health check.
# Sockets' handshakes and replays have two threads of their own for the same reasons: a
# reconnect storm of thousands of phones does not queue the API's requests (Daphne runs
# Django's views and Channels' database_sync_to_async on one shared thread).
_hub_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stream-hub-db")
# The periodic re-check of every socket's account reads thousands of rows: on a thread and a
# connection of its own, so no fan-out read waits behind it (issue 15: at 5,000 sockets the
# re-check took 0.5-1 s of wall time on a busy VM, and frames waited for it).
_recheck_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stream-recheck-db")
_socket_threads = ThreadPoolExecutor(max_workers=2, thread_name_prefix="stream-socket-db")


def _on_hub_connection(fn, *args):
    from django.db import connection

    try:
        return fn(*args)
    except Exception:
        connection.close()  # PostgreSQL restarted or the connection broke: reconnect next time
        raise


async def _hub_db(fn, *args):
    return await asyncio.get_running_loop().run_in_executor(_hub_thread, partial(_on_hub_connection, fn, *args))


async def _recheck_db(fn, *args):
    return await asyncio.get_running_loop().run_in_executor(_recheck_thread, partial(_on_hub_connection, fn, *args))


async def socket_db(fn, *args):
    return await asyncio.get_running_loop().run_in_executor(_socket_threads, partial(_on_hub_connection, fn, *args))


async def fetch_frames(cursor: int, audiences) -> list:
    return await socket_db(_frames_after, cursor, audiences)


# --- the hub ----------------------------------------------------------------------------

class StreamHub:
    """Process-wide: the local sockets by audience and by user, one reader, one Redis channel."""

    def __init__(self, loop):
        self.loop = loop
        self.by_audience: dict[str, set] = defaultdict(set)
        self.by_user: dict[int, set] = defaultdict(set)
        self.cursor = 0  # every event up to here has been fanned out
        self.wake = asyncio.Event()
        self.recheck_users: set[int] = set()
        self.tasks: list[asyncio.Task] = []
        self.channel: str | None = None
        self.start_lock = asyncio.Lock()
        self.stats = {"fetches": 0, "events": 0, "frames": 0, "doorbells": 0, "rechecks": 0}

    # registry
    @property
    def sockets(self) -> set:
        return set().union(*self.by_user.values()) if self.by_user else set()

    async def register(self, sock) -> None:
        async with self.start_lock:
            if not self.tasks:
                self.cursor = await _hub_db(stream.last_seq)
                self.wake = asyncio.Event()
                # Commits in this process wake the hub at once, before their Redis doorbell.
                stream.add_local_listener(self._local_bell)
                self.tasks = [asyncio.create_task(self._read(), name="stream-hub-read"),
                              asyncio.create_task(self._listen(), name="stream-hub-listen"),
                              asyncio.create_task(self._recheck_all(), name="stream-hub-recheck")]
            self.by_user[sock.user_id].add(sock)
            for audience in sock.audiences:
                self.by_audience[audience].add(sock)

    def unregister(self, sock) -> None:
        for audience in sock.audiences:
            members = self.by_audience.get(audience)
            if members is not None:
                members.discard(sock)
                if not members:
                    del self.by_audience[audience]
        members = self.by_user.get(sock.user_id)
        if members is not None:
            members.discard(sock)
            if not members:
                del self.by_user[sock.user_id]
        if not self.by_user and self.tasks:
            # Nobody listens in this process: stop reading and listening until somebody does.
            for task in self.tasks:
                task.cancel()
            self.tasks = []
            stream.remove_local_listener(self._local_bell)
            channel, self.channel = self.channel, None
            if channel:
                asyncio.ensure_future(self._leave(channel))

    def move(self, sock, audiences: list[str]) -> None:
        """The socket's user changed unit or role: hear the new audiences, leave the old."""
        for audience in set(sock.audiences) - set(audiences):
            members = self.by_audience.get(audience)
            if members is not None:
                members.discard(sock)
                if not members:
                    del self.by_audience[audience]
        for audience in audiences:
            self.by_audience[audience].add(sock)
        sock.audiences = audiences

    # the reader
    async def _read(self) -> None:
        while True:
            tick = False
            try:
                await asyncio.wait_for(self.wake.wait(), settings.STREAM_POLL_S)
            except TimeoutError:
                tick = True
            self.wake.clear()
            try:
                await self._fan_out()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - PostgreSQL away: the next round tries again
                log.warning("stream hub: reading the event log failed", exc_info=True)
            if tick:
                await self._join()
            if self.recheck_users:  # a few users named by account.changed: at once, in line
                users, self.recheck_users = self.recheck_users, set()
                try:
                    await self.recheck(users)
                except asyncio.CancelledError:
                    raise
                except Exception:  # noqa: BLE001
                    log.warning("stream hub: re-checking accounts failed", exc_info=True)

    async def _recheck_all(self) -> None:
        """Every STREAM_RECHECK_S, every socket's account (what no event announces: a session
        expiring, a duty shift starting or ending), beside the reader rather than in its way."""
        while True:
            await asyncio.sleep(settings.STREAM_RECHECK_S)
            try:
                await self.recheck(None, db=_recheck_db)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - PostgreSQL away: the next round tries again
                log.warning("stream hub: re-checking accounts failed", exc_info=True)

    async def _fan_out(self) -> None:
        while True:
            rows = await _hub_db(_frames_after, self.cursor)
            self.stats["fetches"] += 1
            for seq, audiences, type_, payload, text in rows:
                if type_ == stream.ACCOUNT_CHANGED:
                    await self._account_changed(payload)
                targets = set()
                for audience in audiences:
                    targets |= self.by_audience.get(audience, set())
                for sock in targets:
                    await sock.offer(seq, text)
                self.stats["events"] += 1
                self.stats["frames"] += len(targets)
                self.cursor = seq
            if len(rows) < FETCH_PAGE:
                return

    async def _account_changed(self, change: dict) -> None:
        user_id = _int(change.get("user"))
        ended = {change.get("session"), change.get("token")} - {None}
        for sock in list(self.by_user.get(user_id, ())):
            if ended & {sock.session_fp, sock.token_fp}:
                await sock.end(CLOSE_SIGNED_OUT, "signed out" if change.get("session") else "token revoked")
        if user_id in self.by_user:
            await self.recheck({user_id})

    async def recheck(self, user_ids: set[int] | None = None, db=None) -> None:
        """Re-read the accounts behind the sockets (all, or those of `user_ids`) and act."""
        socks = [s for uid in (user_ids if user_ids is not None else list(self.by_user))
                 for s in self.by_user.get(uid, ())]
        if not socks:
            return
        self.stats["rechecks"] += 1
        accounts = await (db or _hub_db)(load_accounts, {s.user_id for s in socks}, {s.session_key for s in socks if s.session_key},
                                        {s.token_key for s in socks if s.token_key})
        for sock in socks:
            account = accounts.get(sock.user_id)
            if account is None:
                await sock.end(CLOSE_FORBIDDEN, "account deactivated")
            elif sock.session_key and sock.session_key not in account.sessions:
                await sock.end(CLOSE_SIGNED_OUT, "signed out")
            elif sock.token_key and sock.token_key not in account.tokens:
                await sock.end(CLOSE_SIGNED_OUT, "token revoked")
            elif account.audiences != sock.audiences and not sock.closed:
                self.move(sock, account.audiences)

    # Redis: one channel for the whole process
    async def _listen(self) -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        while True:
            try:
                if self.channel is None:
                    self.channel = await layer.new_channel("stream-hub.")
                    await layer.group_add(stream.HUB_GROUP, self.channel)
                message = await layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - Redis away: the safety net reads the log meanwhile
                log.info("stream hub: Redis unavailable, polling every %s s", settings.STREAM_POLL_S)
                await asyncio.sleep(min(settings.STREAM_POLL_S, 2))
                continue
            if message.get("type") != "stream.doorbell":
                continue
            self.stats["doorbells"] += 1
            self._bell(message.get("seq", 0), message.get("audiences", ()))

    def _bell(self, seq: int, audiences) -> None:
        # Coalesced: however many doorbells arrive while a read is under way, one more read follows.
        if seq > self.cursor and any(a in self.by_audience for a in audiences):
            self.wake.set()

    def _local_bell(self, latest: dict[str, int]) -> None:
        """stream.doorbell calls this after a commit in this process, from whatever thread committed."""
        try:
            self.loop.call_soon_threadsafe(self._bell, max(latest.values()), list(latest))
        except RuntimeError:  # this hub's loop is closed
            stream.remove_local_listener(self._local_bell)

    async def _join(self) -> None:
        # Re-joining every tick keeps the membership alive past group_expiry and restores it
        # after a Redis restart forgot it. One command per process, not per socket.
        layer = get_channel_layer()
        if layer is None or self.channel is None:
            return
        try:
            await layer.group_add(stream.HUB_GROUP, self.channel)
        except Exception:  # noqa: BLE001
            log.info("stream hub: cannot re-join %s, Redis unavailable", stream.HUB_GROUP)

    async def _leave(self, channel: str) -> None:
        try:
            await get_channel_layer().group_discard(stream.HUB_GROUP, channel)
        except Exception:  # noqa: BLE001
            pass


_hubs: dict[int, StreamHub] = {}


def get_hub() -> StreamHub:
    """The hub of the running event loop (Daphne has one; each test has its own)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(id(loop))
    if hub is None or hub.loop is not loop:
        for key in [k for k, h in _hubs.items() if h.loop.is_closed()]:
            stream.remove_local_listener(_hubs.pop(key)._local_bell)
        hub = _hubs[id(loop)] = StreamHub(loop)
    return hub


class ReplayBuffer:
    """Live frames held for a socket while it replays; over `limit` it overflows and the socket
    replays again from the database instead (memory stays bounded, nothing is lost)."""

    def __init__(self, limit: int):
        self.frames: deque[tuple[int, str]] = deque()
        self.limit = limit
        self.overflowed = False

    def add(self, seq: int, text: str) -> None:
        if self.overflowed:
            return
        if len(self.frames) >= self.limit:
            self.frames.clear()
            self.overflowed = True
            return
        self.frames.append((seq, text))
