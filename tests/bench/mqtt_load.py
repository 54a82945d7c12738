"""MQTT load for the monitoring bench, run as its own process (so it does not share the GIL
with what it measures).

    python tests/bench/mqtt_load.py pub URL PREFIX SHAPE POINTS RATE SECONDS [MAX]  # RATE 0 = as fast as it can
    python tests/bench/mqtt_load.py sub URL PREFIX SECONDS CLIENT_ID            # the raw pub→sub baseline

URL is mqtt://[user:pass@]host:port or mqtts://… (TLS, verified against BENCH_MQTT_CAFILE if
set, else the system's CAs); a bare port number means mqtt://127.0.0.1:PORT.

SHAPE is the contract's (docs/contract.md "Park monitoring"):
- `sensors`: one reading per message on <prefix>/points/<code>, {"ts": …, "value": …};
- `gateways`: batches of 100 readings on <prefix>/gateways/gw-<n>, [{"point": …, "ts": …, "value": …}, …].
Every point once per round, each round with its own timestamp, so every (point, ts) is new.
Points are named B00000 …. `pub` stops after SECONDS or MAX readings (if given). QoS 1, every message acknowledged by the broker before `pub` ends;
it prints one JSON line: {"readings": n, "seconds": s}.

`sub` is the raw baseline: monitoring.ingest.Ingester itself (the same aiomqtt client, MQTT v5
shared subscription, QoS 1, persistent session, receive maximum, batching, acknowledgement
after the batch is handled) with the database step replaced by counting: one reading per
sensor message, the array's length per gateway message (decoded with the ingester's JSON
library). It stores nothing. It prints {"ready": true} once subscribed, then, SECONDS later or 3 s (BENCH_SUB_QUIET_S) after the last message,
{"readings": n, "first": t, "last": t} (wall-clock seconds of the first and last message).
"""

import asyncio
import json
import os
import socket
import ssl
import struct
import sys
import time
from pathlib import Path

BATCH = 100


class Publisher:
    """A minimal MQTT v5 QoS 1 publisher on a plain socket, in one thread.

    paho's publish() from the caller's thread wakes its network thread for every message and
    the two contend for the GIL: about 4,000 messages/s here, which would make the harness
    measure the publisher. Here packets are built as bytes and written many at a time, and
    PUBACKs are counted as they come, with at most WINDOW messages unacknowledged."""

    WINDOW = 5000

    def __init__(self, url, client_id):
        target = parse_url(url)
        self.sock = socket.create_connection((target["host"], target["port"]))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if target["tls"]:
            self.sock = tls_context().wrap_socket(self.sock, server_hostname=target["host"])
        cid = client_id.encode()
        flags = 0x02  # clean start
        login = b""
        if target["username"] is not None:
            flags |= 0x80
            login += _string(target["username"].encode())
            if target["password"] is not None:
                flags |= 0x40
                login += _string(target["password"].encode())
        body = b"\x00\x04MQTT\x05" + bytes([flags]) + b"\x00\x3c\x00" + _string(cid) + login
        self.sock.sendall(b"\x10" + _varint(len(body)) + body)
        self.buffer = b""
        self.acked = 0
        self.sent = 0
        self.pid = 0
        kind, _body = self._packet(block=True)
        assert kind == 0x20 and _body[1] == 0, "CONNACK refused"
        self.out = bytearray()

    def publish(self, topic: str, payload: bytes) -> None:
        self.pid = self.pid % 65535 + 1
        t = topic.encode()
        rest = struct.pack("!H", len(t)) + t + struct.pack("!H", self.pid) + b"\x00" + payload
        self.out += b"\x32" + _varint(len(rest)) + rest
        self.sent += 1
        if len(self.out) > 64 * 1024:
            self.flush()

    def flush(self, wait_all: bool = False) -> None:
        if self.out:
            self.sock.sendall(self.out)
            self.out = bytearray()
        self._read_acks(block=False)
        while self.sent - self.acked > (0 if wait_all else self.WINDOW):
            self._read_acks(block=True)

    def close(self) -> None:
        self.flush(wait_all=True)
        self.sock.sendall(b"\xe0\x00")
        self.sock.close()

    def _read_acks(self, block: bool) -> None:
        while True:
            packet = self._packet(block)
            if packet is None:
                return
            if packet[0] == 0x40:
                self.acked += 1
            block = False

    def _packet(self, block: bool):
        while True:
            parsed = _parse(self.buffer)
            if parsed:
                kind, body, used = parsed
                self.buffer = self.buffer[used:]
                return kind, body
            self.sock.setblocking(block)
            try:
                data = self.sock.recv(1 << 20)
            except BlockingIOError:
                return None
            finally:
                self.sock.setblocking(True)
            if not data:
                raise ConnectionError("broker closed the connection")
            self.buffer += data


def parse_url(url) -> dict:
    """host, port, username, password, tls of an MQTT URL (or of a bare port number)."""
    from urllib.parse import unquote, urlparse

    if str(url).isdigit():
        url = f"mqtt://127.0.0.1:{url}"
    parsed = urlparse(str(url))
    tls = parsed.scheme in ("mqtts", "ssl")
    return {"host": parsed.hostname or "127.0.0.1", "port": parsed.port or (8883 if tls else 1883), "tls": tls,
            "username": unquote(parsed.username) if parsed.username is not None else None,
            "password": unquote(parsed.password) if parsed.password is not None else None}


def tls_context() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=os.environ.get("BENCH_MQTT_CAFILE") or None)


def _string(b: bytes) -> bytes:
    return struct.pack("!H", len(b)) + b


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        n, digit = n >> 7, n & 0x7F
        out.append(digit | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _parse(buffer: bytes):
    if len(buffer) < 2:
        return None
    length, shift, i = 0, 0, 1
    while True:
        if i >= len(buffer):
            return None
        byte = buffer[i]
        length |= (byte & 0x7F) << shift
        shift += 7
        i += 1
        if not byte & 0x80:
            break
    if len(buffer) < i + length:
        return None
    return buffer[0] & 0xF0, buffer[i:i + length], i + length


def pub(url, prefix, shape, points, rate, seconds, most=0):
    c = Publisher(url, f"bench-pub-{time.time_ns()}")
    codes = [f"B{i:05d}" for i in range(points)]
    sent = 0
    start = time.time()
    last_ms = 0
    while time.time() - start < seconds and not (most and sent >= most):
        ms = max(int(time.time() * 1000), last_ms + 1)
        last_ms = ms
        value = 5.0 + (sent % 7) * 0.1
        if shape == "sensors":
            for code in codes:
                c.publish(f"{prefix}/points/{code}", b'{"ts": %d, "value": %r}' % (ms, value))
            sent += len(codes)
        else:
            for i in range(0, points, BATCH):
                batch = [{"point": code, "ts": ms, "value": value} for code in codes[i:i + BATCH]]
                c.publish(f"{prefix}/gateways/gw-{i // BATCH}", json.dumps(batch).encode())
                sent += len(batch)
        c.flush()
        if rate:
            ahead = sent / rate - (time.time() - start)
            if ahead > 0:
                time.sleep(ahead)
    c.close()
    elapsed = time.time() - start
    print(json.dumps({"readings": sent, "seconds": elapsed}), flush=True)


def sub(url, prefix, seconds, client_id):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    import aiomqtt
    import orjson

    from monitoring.ingest import Ingester

    seen = {"readings": 0, "first": None, "last": None}
    gateways = f"{prefix}/gateways/"
    if str(url).isdigit():
        url = f"mqtt://127.0.0.1:{url}"

    def count(items):
        n = 0
        for topic, payload in items:
            n += len(orjson.loads(payload)) if topic.startswith(gateways) else 1
        now = time.time()
        seen["first"] = seen["first"] or now
        seen["last"] = now
        seen["readings"] += n
        return {"readings": n, "stored": 0, "duplicates": 0, "dead": 0, "transitions": 0}

    async def main():
        stop = asyncio.Event()
        ingester = Ingester(url=url, prefix=prefix, group="benchraw", client_id=client_id, handler=count)
        task = asyncio.create_task(ingester.run(stop))
        await ingester.connected.wait()
        print(json.dumps({"ready": True}), flush=True)
        # Until SECONDS have passed, or 3 s after the last message once messages came.
        end = time.time() + seconds
        # (BENCH_SUB_QUIET_S: on a machine loaded by others a subscriber may stall for seconds.)
        quiet = float(os.environ.get("BENCH_SUB_QUIET_S", "3"))
        while time.time() < end and not (seen["last"] and time.time() - seen["last"] > quiet):
            await asyncio.sleep(0.2)
        stop.set()
        await task
        # Drop the persistent session, so the broker keeps nothing for it after the baseline.
        t = parse_url(url)
        async with aiomqtt.Client(t["host"], t["port"], identifier=client_id, protocol=aiomqtt.ProtocolVersion.V5,
                                  clean_start=True, username=t["username"], password=t["password"],
                                  tls_context=tls_context() if t["tls"] else None):
            pass

    asyncio.run(main())
    print(json.dumps(seen), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "pub":
        pub(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), float(sys.argv[6]), float(sys.argv[7]),
            int(sys.argv[8]) if len(sys.argv) > 8 else 0)
    else:
        sub(sys.argv[2], sys.argv[3], float(sys.argv[4]), sys.argv[5])
