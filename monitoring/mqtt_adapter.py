"""Every use of aiomqtt's and paho-mqtt's internals, behind one fence (issue 20).

The ingester needs from its MQTT client: the next message (or None after a timeout, or when
stopping), what is already queued without a wait, and the acknowledgement of a batch once it
is committed. Two implementations:

- `FastSession` (the tested versions, TESTED below): manual acknowledgement (a PUBACK only
  after the batch holding the message has committed), a socket read of everything the kernel
  has per readable event, the PUBACKs of a batch in one write, and paho's Properties sharing
  their constant tables. All of it reaches into aiomqtt's `_client`, `_queue`,
  `_disconnected`, `_loop` and paho's `_sock`, `_packet_queue` and Properties internals: each
  is checked by tests/monitoring/test_mqtt_adapter.py.
- `PublicSession` (any other version): aiomqtt's public API only (`client.messages`). Slower,
  and paho acknowledges each message as it arrives, before it is stored: a crash may lose the
  batch in hand. The ingester logs this at start.

`check()` compares the installed versions with TESTED once per process.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import struct
from importlib import metadata

import aiomqtt

log = logging.getLogger("monitoring.ingest")

# (lowest, highest) minor versions the fast path is tested with, inclusive.
TESTED = {"aiomqtt": ((2, 3), (2, 5)), "paho-mqtt": ((2, 1), (2, 2))}


def installed() -> dict[str, str]:
    return {name: metadata.version(name) for name in TESTED}


def _minor(version: str) -> tuple[int, int]:
    parts = []
    for piece in version.split(".")[:2]:
        digits = "".join(c for c in piece if c.isdigit()) if not piece.isdigit() else piece
        parts.append(int(digits or 0))
    return tuple((parts + [0, 0])[:2])


def check(versions: dict[str, str] | None = None) -> bool:
    """Whether the fast path may be used with these (default: the installed) versions."""
    versions = versions or installed()
    for name, (low, high) in TESTED.items():
        if not low <= _minor(versions[name]) <= high:
            return False
    return True


_FAST: bool | None = None


def fast_default() -> bool:
    """check() for the installed versions, once per process, with a log line saying which."""
    global _FAST
    if _FAST is None:
        _FAST = check()
        if _FAST:
            _share_property_tables()
        else:
            log.warning("MQTT client libraries %s are outside the tested range %s: using their public API only "
                        "(slower; messages are acknowledged on receipt, before they are stored)", installed(), TESTED)
    return _FAST


def session(client: aiomqtt.Client, *, fast: bool) -> FastSession | PublicSession:
    """Prepare `client` (before it connects) and answer the session the ingester reads from."""
    return FastSession(client) if fast else PublicSession(client)


class PublicSession:
    """aiomqtt's public API: `client.messages` (one pending read, never cancelled, so no
    message is lost between batches)."""

    fast = False

    def __init__(self, client: aiomqtt.Client):
        self.client = client
        self._pending: asyncio.Future | None = None

    def start(self) -> None:
        self._iter = self.client.messages

    async def next(self, stopping: asyncio.Future, timeout: float | None):
        if self._pending is None:
            self._pending = asyncio.ensure_future(self._iter.__anext__())
        await asyncio.wait({self._pending, stopping}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if self._pending.done():
            pending, self._pending = self._pending, None
            return pending.result()  # aiomqtt.MqttError when the connection dropped
        return None

    async def queued(self):
        """A message already received, or None (no wait)."""
        if self._pending is not None:
            if not self._pending.done():
                return None
            pending, self._pending = self._pending, None
            return pending.result()
        if len(self._iter):
            return await self._iter.__anext__()
        return None

    def ack(self, batch: list) -> None:
        pass  # paho acknowledged each message on receipt

    def close(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None


class FastSession:
    """The tested versions' internals (module docstring)."""

    fast = True

    def __init__(self, client: aiomqtt.Client):
        self.client = client
        # Acknowledge only after the readings are committed (monitoring.ingest).
        client._client.manual_ack_set(True)
        _buffer_reads(client)

    def start(self) -> None:
        pass

    async def next(self, stopping: asyncio.Future, timeout: float | None):
        """The next message, or None when stopping or after `timeout` seconds; MqttError when
        the connection dropped. Reads aiomqtt's queue directly: cancelling a wait on it is
        safe, unlike cancelling the `messages` async generator, which would close it."""
        client = self.client
        get = asyncio.ensure_future(client._queue.get())
        disconnected = client._disconnected
        await asyncio.wait({get, stopping, disconnected}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if get.done() or not get.cancel():
            return get.result()
        if disconnected.done():
            exc = disconnected.exception() if not disconnected.cancelled() else None
            raise exc if isinstance(exc, aiomqtt.MqttError) else aiomqtt.MqttError("disconnected")
        return None

    async def queued(self):
        try:
            return self.client._queue.get_nowait()
        except asyncio.QueueEmpty:
            return None

    def queued_nowait(self):
        """queued() without a coroutine: the ingester's hot loop."""
        try:
            return self.client._queue.get_nowait()
        except asyncio.QueueEmpty:
            return None

    def ack(self, batch: list) -> None:
        """Acknowledge a batch. paho's ack() queues one 4-byte PUBACK per message and writes
        each with its own system call; here they go to paho's queue as one write, in order
        with everything else paho sends. (We subscribe with QoS 1: a QoS 2 message cannot
        come, but would be acknowledged by paho.)"""
        paho = self.client._client
        pubacks = b"".join([_PUBACK.pack(0x40, 2, m.mid) for m in batch if m.qos == 1])
        if pubacks:
            paho._packet_queue(0x40, pubacks, 0, 1)
        for m in batch:
            if m.qos == 2:
                paho.ack(m.mid, m.qos)

    def close(self) -> None:
        pass


_PUBACK = struct.Struct("!BBH")


def _share_property_tables() -> None:
    """paho builds a Properties object for every MQTT v5 message received, and its __init__
    rebuilds three constant lookup tables each time (about 30 µs a message here, more than
    everything else paho does for it); clear() walks all of them. The tables are never
    written after __init__: every instance may share one copy. Same objects, same state."""
    from paho.mqtt import properties as paho_properties
    from paho.mqtt.packettypes import PacketTypes

    cls = paho_properties.Properties
    if getattr(cls, "_tables_shared", False):
        return
    template = cls(PacketTypes.PUBLISH)
    types, names, table = template.types, template.names, template.properties
    private = frozenset(("packetType", "types", "names", "properties"))

    def __init__(self, packetType):  # noqa: N803 - paho's name
        d = self.__dict__
        d["packetType"] = packetType
        d["types"] = types
        d["names"] = names
        d["properties"] = table

    def clear(self):
        d = self.__dict__
        for name in [n for n in d if n not in private]:
            del d[name]

    cls.__init__ = __init__
    cls.clear = clear
    cls._tables_shared = True


class _BufferedSocket:
    """paho reads each packet with a system call per byte of its fixed header and one for the
    rest, and aiomqtt has it read one packet per readable event: tens of microseconds a
    message, most of an ingester's time at one reading per message. Here each readable event
    takes what the kernel has (up to 256 KiB) in one call and paho parses it from memory;
    then the event loop runs again, so a fast publisher cannot keep it reading for ever."""

    __slots__ = ("_sock", "_buf", "_pos", "_eof")

    def __init__(self, sock):
        self._sock = sock
        self._buf = b""
        self._pos = 0
        self._eof = False

    def fill(self) -> None:
        data = self._sock.recv(262144)  # BlockingIOError when nothing is there
        if not data:
            self._eof = True
        self._buf = self._buf[self._pos:] + data
        self._pos = 0

    def recv(self, n: int) -> bytes:
        if self._pos >= len(self._buf):
            if self._eof:
                return b""
            raise BlockingIOError  # paho: wait for the next readable event
        start = self._pos
        self._pos = min(start + n, len(self._buf))
        return self._buf[start:self._pos]

    def pending(self) -> int:
        return len(self._buf) - self._pos

    def __getattr__(self, name):
        return getattr(self._sock, name)


def _buffer_reads(client: aiomqtt.Client) -> None:
    """Put _BufferedSocket under paho, and our reader in place of aiomqtt's."""
    paho = client._client
    opened = paho.on_socket_open

    def on_socket_open(mqttc, userdata, sock):
        if isinstance(sock, ssl.SSLSocket):
            # TLS keeps decrypted records inside the SSL object, where a readable event does
            # not announce them: aiomqtt's own reader, one packet at a time, is right there.
            opened(mqttc, userdata, sock)
            return
        buffered = _BufferedSocket(sock)
        mqttc._sock = buffered

        def readable():
            try:
                try:
                    buffered.fill()
                except BlockingIOError:
                    return
                while True:
                    paho.loop_read()
                    if not buffered.pending() or paho._sock is not buffered:
                        break
            except Exception as exc:  # noqa: BLE001 - as aiomqtt's reader: the connection is broken
                if not client._disconnected.done():
                    client._disconnected.set_exception(exc)

        opened(mqttc, userdata, buffered)  # aiomqtt's reader, replaced at once by ours (same fd)
        client._loop.call_soon_threadsafe(client._loop.add_reader, buffered.fileno(), readable)

    paho.on_socket_open = on_socket_open
