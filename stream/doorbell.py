"""The doorbell: after an event commits, tell every process's hub (stream.hub) to read the log.

One message per commit to the hubs' group (one hub per process), carrying the highest seq and
the audiences it touched; a process's own hubs are woken in-process at once. Best effort by
design: the log is the truth, and a hub polls it every STREAM_POLL_S for lost doorbells.
"""

from __future__ import annotations

import asyncio
import logging
import os
import queue
import threading
from collections.abc import Iterable

from channels.layers import get_channel_layer
from django.db import connection

log = logging.getLogger(__name__)

# Every process's stream hub listens on this one group: one doorbell per commit per process,
# whatever the number of sockets (no per-socket group, no "over capacity").
HUB_GROUP = "stream.hub"


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


def doorbells() -> _Doorbells:
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

    The committing request does not wait for Redis: local hubs (stream.hub) are woken
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
    # (stream.hub) are the only listeners; sockets hold no channel of their own.
    await layer.group_send(HUB_GROUP, {"type": "stream.doorbell", "seq": max(latest.values()),
                                       "audiences": sorted(latest)})
