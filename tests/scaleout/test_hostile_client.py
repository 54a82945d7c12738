"""A careless or hostile client against a real Daphne (issue 16, point 3): memory stays bounded.

One client floods small frames without reading: it is closed (4429) after its burst, and the
process that also serves the API keeps its memory. Another stops reading while the server has
a lot to send: it is dropped once its send buffer stays full (4408, stream.daphne), instead of
Daphne buffering for it without bound.
"""

import asyncio
import socket
import urllib.request

import pytest
from django.db import transaction
from rest_framework.authtoken.models import Token

import stream
from tests.conftest import free_port, start_daphne, stop_process

from .helpers import run_async, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("stand_in_payloads")]


def _rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _healthy(port: int) -> bool:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
        return response.status == 200


def test_a_client_flooding_frames_without_reading_is_closed_and_memory_stays_bounded(transactional_db, make_user):
    import websockets
    from websockets.protocol import State

    token = Token.objects.create(user=make_user("flooder", "viewer")).key
    port = free_port()
    daphne = start_daphne(port)
    try:
        rss_before = _rss_mib(daphne.pid)

        async def flood():
            sent = 0
            async with websockets.connect(f"ws://127.0.0.1:{port}/ws/stream/",
                                          additional_headers={"Authorization": f"Token {token}"},
                                          ping_interval=None, max_queue=None) as ws:
                try:
                    while sent < 500_000 and ws.state is State.OPEN:
                        await ws.send('{"type":"ping"}')
                        sent += 1
                        if sent % 1000 == 0:
                            await asyncio.sleep(0.001)  # let the client library see a close frame
                except websockets.ConnectionClosed:
                    pass
                await asyncio.wait_for(ws.wait_closed(), 30)
                return sent, ws.close_code

        sent, code = run_async(flood)
        assert code == 4429, (sent, code)
        assert _healthy(port)
        rss_after = _rss_mib(daphne.pid)
        print(f"\n   flood: {sent} frames sent before the close; Daphne RSS {rss_before:.0f} → {rss_after:.0f} MiB")
        assert rss_after - rss_before < 64
    finally:
        stop_process(daphne)


def _server_side_open(port: int, client_port: int) -> bool:
    """Whether the kernel still has the server's end of our TCP connection (it vanishes on abort)."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                rows = f.readlines()[1:]
        except FileNotFoundError:
            continue
        for row in rows:
            local, remote, state = row.split()[1:4]
            if int(local.rsplit(":", 1)[1], 16) == port and int(remote.rsplit(":", 1)[1], 16) == client_port \
                    and state != "06":  # 06 = TIME_WAIT
                return True
    return False


def test_a_client_that_stops_reading_is_dropped_instead_of_buffered(transactional_db, make_user):
    token = Token.objects.create(user=make_user("sleeper", "viewer")).key
    port = free_port()
    daphne = start_daphne(port, {"STREAM_SLOW_READER_S": "1"})
    sock = socket.socket()
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", port))
        sock.sendall((f"GET /ws/stream/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                      "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                      f"Sec-WebSocket-Version: 13\r\nAuthorization: Token {token}\r\n\r\n").encode())
        handshake = b""
        while b"\r\n\r\n" not in handshake:
            handshake += sock.recv(1)
        assert handshake.startswith(b"HTTP/1.1 101"), handshake
        client_port = sock.getsockname()[1]
        rss_before = _rss_mib(daphne.pid)
        # The console hears these: ~24 MB the client never reads.
        pad = "x" * 60_000
        for _ in range(8):
            with transaction.atomic():
                for _ in range(50):
                    stream.emit(audiences=[stream.CONSOLE], type="incident.updated", payload={"pad": pad})
        wait_until(lambda: not _server_side_open(port, client_port), 60, what="the slow reader dropped")
        rss_after = _rss_mib(daphne.pid)
        print(f"\n   slow reader dropped; Daphne RSS {rss_before:.0f} → {rss_after:.0f} MiB for ~24 MB unread")
        assert rss_after - rss_before < 64
        assert _healthy(port)
    finally:
        sock.close()
        stop_process(daphne)
