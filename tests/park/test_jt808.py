"""JT/T 808 vehicle terminals over TCP (park.jt808, issue 24.6): a real TCP client speaking the
protocol (2019 header) registers, authenticates with its device token and reports locations,
which arrive as the vehicle's positions; bad frames become dead letters and the connection
goes on; a wrong token is refused and the connection closed.

The client here builds and reads its frames with its own few lines (below), not with the
server's codec, so a mistake in one is not hidden by the same mistake in the other."""

from __future__ import annotations

import asyncio
import datetime as dt
import struct

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from tests.conftest import free_port

pytestmark = pytest.mark.django_db(transaction=True)

PLATE = "粤A80808"
PHONE = "13912345678"
CHINA = dt.timezone(dt.timedelta(hours=8))


def frame(msg_id: int, body: bytes, serial: int, *, check_ok: bool = True) -> bytes:
    """A JT/T 808-2019 frame: header (id, attributes with the version bit, version 1, BCD[10]
    phone, serial), body, XOR check code, escaped, between 0x7E flags."""
    phone = bytes.fromhex(PHONE.rjust(20, "0"))
    raw = struct.pack(">HHB", msg_id, 0x4000 | len(body), 1) + phone + struct.pack(">H", serial) + body
    check = 0
    for byte in raw:
        check ^= byte
    raw += bytes([check if check_ok else check ^ 0xFF])
    return b"\x7e" + raw.replace(b"\x7d", b"\x7d\x01").replace(b"\x7e", b"\x7d\x02") + b"\x7e"


def location_body(lon: float, lat: float, speed_kmh: float, at: dt.datetime) -> bytes:
    stamp = bytes.fromhex(at.astimezone(CHINA).strftime("%y%m%d%H%M%S"))
    status = 0x02  # positioned, north, east
    return struct.pack(">IIIIHHH", 0, status, round(lat * 1e6), round(lon * 1e6), 12, round(speed_kmh * 10), 90) + stamp


def registration_body(plate: str) -> bytes:
    return (struct.pack(">HH", 44, 100) + b"MAKER".ljust(11, b"\0") + b"MODEL-808".ljust(30, b"\0")
            + b"T0001".ljust(30, b"\0") + bytes([1]) + plate.encode("gbk"))


def auth_body(code: str) -> bytes:
    return bytes([len(code)]) + code.encode() + b"860000000000001" + b"1.0".ljust(20, b"\0")


async def read_reply(reader) -> tuple[int, int, bytes]:
    """(message id, serial, body) of the server's next frame."""
    data = await asyncio.wait_for(reader.readuntil(b"\x7e"), 10)
    if data == b"\x7e":
        data = await asyncio.wait_for(reader.readuntil(b"\x7e"), 10)
    raw = data[:-1].lstrip(b"\x7e").replace(b"\x7d\x02", b"\x7e").replace(b"\x7d\x01", b"\x7d")
    check = 0
    for byte in raw[:-1]:
        check ^= byte
    assert check == raw[-1], "the server's check code is wrong"
    msg_id, attributes = struct.unpack(">HH", raw[:4])
    assert attributes & 0x4000 and raw[4] == 1  # answered in the terminal's own (2019) header
    assert raw[5:15] == bytes.fromhex(PHONE.rjust(20, "0"))
    body = raw[17:-1]
    assert len(body) == attributes & 0x3FF
    return msg_id, struct.unpack(">H", raw[15:17])[0], body


def general(body: bytes) -> tuple[int, int, int]:
    """0x8001: (the serial answered, the message id answered, result)."""
    return struct.unpack(">HHB", body)


@pytest.fixture
def terminal(park, make_device):
    from park.services import tracking

    _device, token = make_device("VT-808", kind="vehicle_terminal", subject=PLATE)
    tracking.reference_forget()
    return token


async def _server():
    from park import jt808

    port = free_port()
    ready = asyncio.Event()
    task = asyncio.create_task(jt808.serve("127.0.0.1", port, ready=ready))
    await asyncio.wait_for(ready.wait(), 10)
    return port, task


@sync_to_async
def _letters():
    from monitoring.models import DeadLetter

    return list(DeadLetter.objects.filter(source="jt808").order_by("id").values_list("topic", "reason"))


@sync_to_async
def _positions():
    from park.models import VehiclePosition

    return [(p.plate, round(p.location.x, 6), round(p.location.y, 6), p.speed_kmh)
            for p in VehiclePosition.objects.filter(plate=PLATE).order_by("ts")]


async def test_a_terminal_registers_authenticates_and_its_locations_become_positions(terminal):
    port, server = await _server()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(frame(0x0100, registration_body(PLATE), 1))
        msg_id, _serial, body = await read_reply(reader)
        assert msg_id == 0x8100 and struct.unpack(">HB", body[:3]) == (1, 0)  # success
        writer.write(frame(0x0100, registration_body("粤Z00000"), 2))
        msg_id, _serial, body = await read_reply(reader)
        assert msg_id == 0x8100 and struct.unpack(">HB", body[:3]) == (2, 2)  # no such vehicle

        # a location before authentication is refused, and the connection goes on
        now = timezone.now()
        writer.write(frame(0x0200, location_body(113.655, 22.640, 30, now), 3))
        assert general((await read_reply(reader))[2]) == (3, 0x0200, 1)

        writer.write(frame(0x0102, auth_body(terminal), 4))
        assert general((await read_reply(reader))[2]) == (4, 0x0102, 0)

        # a serial of 0x7E7D: the frame carries both escapes
        writer.write(frame(0x0200, location_body(113.655, 22.640, 36.5, now - dt.timedelta(seconds=20)), 0x7E7D))
        assert general((await read_reply(reader))[2]) == (0x7E7D, 0x0200, 0)
        # a batch (0x0704) of one later location
        item = location_body(113.6552, 22.6402, 20, now - dt.timedelta(seconds=10))
        writer.write(frame(0x0704, struct.pack(">HB", 1, 0) + struct.pack(">H", len(item)) + item, 6))
        assert general((await read_reply(reader))[2]) == (6, 0x0704, 0)
        assert await _positions() == [(PLATE, 113.655, 22.64, 36.5), (PLATE, 113.6552, 22.6402, 20.0)]

        # bad frames: a wrong check code, then a bad escape; the connection still answers
        writer.write(frame(0x0200, location_body(113.656, 22.641, 30, now), 7, check_ok=False))
        writer.write(b"\x7e\x7d\x05\x7e")  # a bad escape
        writer.write(frame(0x0002, b"", 8))  # heartbeat
        assert general((await read_reply(reader))[2]) == (8, 0x0002, 0)
        # a position the positions door refuses (outside the district): answered "failed", kept as a letter
        writer.write(frame(0x0200, location_body(100.0, 30.0, 30, now), 9))
        assert general((await read_reply(reader))[2]) == (9, 0x0200, 1)
        writer.close()
        letters = await _letters()
        reasons = " | ".join(reason for _topic, reason in letters).lower()
        assert "registration for the plate “粤z00000”" in reasons
        assert "before authentication" in reasons
        assert "wrong check code" in reasons and "bad escape" in reasons
        assert "outside the district" in reasons
        assert {topic for topic, _r in letters} <= {f"jt808:{PHONE}", "jt808:127.0.0.1"}
        assert len(await _positions()) == 2  # nothing stored from the bad ones
    finally:
        server.cancel()


async def test_a_wrong_token_is_refused_and_the_connection_closed(terminal):
    port, server = await _server()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(frame(0x0102, auth_body("dvt_not-a-token"), 1))
        assert general((await read_reply(reader))[2]) == (1, 0x0102, 1)
        assert await asyncio.wait_for(reader.read(), 10) == b""  # closed by the server
        writer.close()
        letters = await _letters()
        assert any("authentication refused" in reason.lower() for _t, reason in letters)
        assert not any("dvt_not-a-token" in reason for _t, reason in letters)  # a secret is never kept
    finally:
        server.cancel()
