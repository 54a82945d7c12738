"""Vehicle terminals speaking JT/T 808 (道路运输车辆卫星定位系统 终端通讯协议, 2019 and 2013
headers) over TCP: the national protocol of a hazardous-chemical vehicle's 北斗 terminal
(issue 24.6; DOMAIN.md "Closed park management").

A frame is 0x7E, the escaped message (0x7E → 0x7D 0x02, 0x7D → 0x7D 0x01), 0x7E; the message
is a header (message id, body attributes, [2019: protocol version], the terminal's phone number
in BCD, a serial number), the body, and a check code (XOR of header and body). What this
server understands:

- 0x0100 registration: answered 0x8100 "success" when an active vehicle terminal (devices app,
  kind vehicle_terminal) has the registration's plate, "no such vehicle" (2) otherwise. The
  auth code it answers is empty: a terminal is provisioned with its device token as its auth
  code (鉴权码) when it is installed, and that secret never crosses the wire in a reply.
- 0x0102 authentication: the auth code is a device token (the devices app's credentials, as
  `POST /api/v1/positions/` takes it): an active vehicle terminal's binds the connection to
  its plate; anything else is refused (0x8001 result 1) and the connection closed.
- 0x0002 heartbeat, 0x0003 logout: answered 0x8001 result 0 (logout then closes).
- 0x0200 location report and 0x0704 batch of them: after authentication only, each becomes a
  `vehicle:<plate>` position through the same door as the HTTP API (resources.positions:
  district, time and speed checks, then the park's vehicle rules); answered 0x8001 result 0
  when all were stored, 1 otherwise.
- Anything else is answered 0x8001 result 3 (not supported).

Bad input (no flag, a bad escape, a wrong check code, a length that does not match, an
encrypted or split message, a location before authentication, a position refused by the
positions door) becomes a dead letter (monitoring's, source "jt808", sender `jt808:<phone or
peer>`), as a bad MQTT reading does; a connection sending more than MAX_BUFFER bytes without
a flag is closed. Run by `manage.py park_jt808`, under scripts/supervise.sh as the ingester.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import struct
from dataclasses import dataclass

from asgiref.sync import sync_to_async
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)

FLAG, ESCAPE = 0x7E, 0x7D
MAX_BUFFER = 4096  # a frame is at most ~1 KiB: more without a flag is not JT/T 808
CHINA = dt.timezone(dt.timedelta(hours=8))  # a terminal's clock (BCD time) is GMT+8

REGISTER, AUTHENTICATE, HEARTBEAT, LOGOUT, LOCATION, BATCH = 0x0100, 0x0102, 0x0002, 0x0003, 0x0200, 0x0704
GENERAL_REPLY, REGISTER_REPLY = 0x8001, 0x8100
OK, FAILED, UNSUPPORTED = 0, 1, 3
NO_SUCH_VEHICLE = 2


class FrameError(ValueError):
    """The frame is not a JT/T 808 message we can use: the reason goes to the dead letter."""


@dataclass(frozen=True)
class Message:
    msg_id: int
    phone: str  # the terminal's phone number (BCD), leading zeros dropped
    serial: int
    body: bytes
    version: int | None  # 2019's protocol version; None for a 2013 header


# --- the codec ---------------------------------------------------------------------------

def unescape(data: bytes) -> bytes:
    out, i = bytearray(), 0
    while i < len(data):
        byte = data[i]
        if byte == ESCAPE:
            nxt = data[i + 1] if i + 1 < len(data) else None
            if nxt not in (0x01, 0x02):
                raise FrameError(_("Bad escape: 0x7D must be followed by 0x01 or 0x02."))
            out.append(ESCAPE if nxt == 0x01 else FLAG)
            i += 2
            continue
        out.append(byte)
        i += 1
    return bytes(out)


def escape(data: bytes) -> bytes:
    return data.replace(bytes([ESCAPE]), b"\x7d\x01").replace(bytes([FLAG]), b"\x7d\x02")


def check_code(data: bytes) -> int:
    code = 0
    for byte in data:
        code ^= byte
    return code


def _bcd(data: bytes) -> str:
    digits = "".join(f"{b >> 4:x}{b & 0x0F:x}" for b in data)
    if not digits.isdigit():
        raise FrameError(_("The phone number or time is not BCD."))
    return digits


def decode(frame: bytes) -> Message:
    """A message from a frame's bytes between the two flags."""
    raw = unescape(frame)
    if len(raw) < 13:
        raise FrameError(_("The frame is too short for a JT/T 808 header."))
    if check_code(raw[:-1]) != raw[-1]:
        raise FrameError(_("Wrong check code: the XOR of header and body does not match the last byte."))
    raw = raw[:-1]
    msg_id, attributes = struct.unpack(">HH", raw[:4])
    length, encryption = attributes & 0x03FF, (attributes >> 10) & 0x07
    if encryption:
        raise FrameError(_("Encrypted messages are not accepted: turn encryption off on the terminal."))
    if attributes & 0x2000:
        raise FrameError(_("Split (sub-package) messages are not accepted."))
    if attributes & 0x4000:  # 2019: version byte, then a 10-byte phone number
        if len(raw) < 17:
            raise FrameError(_("The frame is too short for a JT/T 808-2019 header."))
        version, phone, (serial,), offset = raw[4], _bcd(raw[5:15]), struct.unpack(">H", raw[15:17]), 17
    else:
        version, phone, (serial,), offset = None, _bcd(raw[4:10]), struct.unpack(">H", raw[10:12]), 12
    body = raw[offset:]
    if len(body) != length:
        raise FrameError(_("The body has %(got)s bytes; the header says %(want)s.") % {"got": len(body), "want": length})
    return Message(msg_id=msg_id, phone=phone.lstrip("0") or "0", serial=serial, body=body, version=version)


def encode(msg_id: int, phone: str, serial: int, body: bytes, *, version: int | None) -> bytes:
    """A whole frame, flags included, in the terminal's header version."""
    digits = phone.rjust(20 if version is not None else 12, "0")
    bcd = bytes(int(digits[i:i + 2], 16) for i in range(0, len(digits), 2))
    if version is not None:
        header = struct.pack(">HHB", msg_id, 0x4000 | len(body), version) + bcd + struct.pack(">H", serial)
    else:
        header = struct.pack(">HH", msg_id, len(body)) + bcd + struct.pack(">H", serial)
    raw = header + body
    return bytes([FLAG]) + escape(raw + bytes([check_code(raw)])) + bytes([FLAG])


@dataclass(frozen=True)
class Fix:
    ts: dt.datetime
    lon: float
    lat: float
    speed_kmh: float


def location(body: bytes) -> Fix:
    """0x0200's basic information (28 bytes; the additional items after it are not needed)."""
    if len(body) < 28:
        raise FrameError(_("A location report has at least 28 bytes."))
    _alarm, status, lat, lon, _alt, speed, _dir = struct.unpack(">IIIIHHH", body[:22])
    if not status & 0x02:
        raise FrameError(_("The terminal reports no fix (status bit 1 is 0)."))
    stamp = _bcd(body[22:28])
    try:
        ts = dt.datetime(2000 + int(stamp[0:2]), int(stamp[2:4]), int(stamp[4:6]), int(stamp[6:8]),
                         int(stamp[8:10]), int(stamp[10:12]), tzinfo=CHINA)
    except ValueError as exc:
        raise FrameError(_("Bad time %(t)s: YYMMDDhhmmss in GMT+8.") % {"t": stamp}) from exc
    lat_deg, lon_deg = lat / 1e6, lon / 1e6
    return Fix(ts=ts, lon=-lon_deg if status & 0x08 else lon_deg, lat=-lat_deg if status & 0x04 else lat_deg,
               speed_kmh=speed / 10)


def batch(body: bytes) -> list[bytes]:
    """0x0704's location bodies."""
    if len(body) < 3:
        raise FrameError(_("A batch of locations has at least 3 bytes."))
    (count,), items, offset = struct.unpack(">H", body[:2]), [], 3
    for _n in range(count):
        if offset + 2 > len(body):
            raise FrameError(_("The batch is shorter than its count."))
        (size,) = struct.unpack(">H", body[offset:offset + 2])
        items.append(body[offset + 2:offset + 2 + size])
        offset += 2 + size
    if offset != len(body) or any(len(item) < 28 for item in items):
        raise FrameError(_("The batch's item lengths do not match its body."))
    return items


def registration_plate(message: Message) -> str:
    """The plate of a 0x0100 registration (GBK text after the fixed fields)."""
    fixed = 2 + 2 + (11 + 30 + 30 if message.version is not None else 5 + 20 + 7) + 1
    if len(message.body) < fixed + 1:
        raise FrameError(_("A registration names the vehicle's plate."))
    try:
        return message.body[fixed:].decode("gbk").strip("\x00 ")
    except UnicodeDecodeError as exc:
        raise FrameError(_("The plate is not GBK text.")) from exc


def auth_code(message: Message) -> str:
    body = message.body
    if message.version is not None:  # 2019: a length byte, the code, then IMEI and software version
        if not body or len(body) < 1 + body[0]:
            raise FrameError(_("The authentication's code is shorter than its length."))
        body = body[1:1 + body[0]]
    try:
        return body.decode("gbk").strip("\x00 ")
    except UnicodeDecodeError as exc:
        raise FrameError(_("The auth code is not text.")) from exc


def general_reply(message: Message, result: int, serial: int) -> bytes:
    return encode(GENERAL_REPLY, message.phone, serial, struct.pack(">HHB", message.serial, message.msg_id, result),
                  version=message.version)


# --- the database side (sync: run on Django's thread through sync_to_async) -------------

def _dead_letters(items: list[tuple[str, str, bytes]]) -> None:
    from monitoring import services

    services.dead_letters_record(items=[("jt808", sender, reason[:300], frame.hex()) for sender, reason, frame in items])


def _vehicle_for_plate(plate: str) -> bool:
    from devices.models import Device, DeviceKind

    return Device.objects.filter(kind=DeviceKind.VEHICLE_TERMINAL, subject=plate, revoked_at__isnull=True).exists()


def _authenticate(code: str):
    """(identity, plate) of the active vehicle terminal whose device token is `code`, or None."""
    from devices.models import Device, DeviceKind
    from monitoring.sources import registry

    identity = registry.token(code) if registry.token and code else None
    if identity is None:
        return None
    device = Device.objects.filter(code=identity.code, kind=DeviceKind.VEHICLE_TERMINAL,
                                   revoked_at__isnull=True).first()
    return (identity, device.subject) if device is not None and device.subject else None


def _store(identity, plate: str, fixes: list[Fix]) -> list[str]:
    """The fixes through the positions door (resources.positions) as `vehicle:<plate>`;
    answers the reasons of those refused."""
    from resources import positions

    data = [{"subject": f"vehicle:{plate}", "ts": f.ts.isoformat(), "lon": f.lon, "lat": f.lat,
             "speed_kmh": min(f.speed_kmh, 500)} for f in fixes]
    answer = positions.positions_ingest(data=data, user=identity, auth=identity)
    return [item["error"] for item in answer["rejected"]]


def _db(fn):
    from django.db import close_old_connections

    def run(*args):
        close_old_connections()
        return fn(*args)

    return sync_to_async(run, thread_sensitive=True)


dead_letters, vehicle_for_plate, authenticate, store = (_db(_dead_letters), _db(_vehicle_for_plate),
                                                          _db(_authenticate), _db(_store))


# --- the server ---------------------------------------------------------------------------

class Session:
    """One terminal's connection: frames in, replies out, bound to a plate once authenticated."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer = reader, writer
        peer = writer.get_extra_info("peername")
        self.sender = f"jt808:{peer[0]}" if peer else "jt808:?"
        self.identity, self.plate, self.serial = None, None, 0

    async def run(self) -> None:
        buffer = bytearray()
        try:
            while True:
                chunk = await self.reader.read(1024)
                if not chunk:
                    return
                buffer += chunk
                while True:
                    start = buffer.find(FLAG)
                    if start < 0:
                        junk, buffer = bytes(buffer), bytearray()
                        if junk:
                            await dead_letters([(self.sender, _("Bytes outside a frame (no 0x7E flag)."), junk)])
                        break
                    if start > 0:
                        await dead_letters([(self.sender, _("Bytes before a frame's 0x7E flag."), bytes(buffer[:start]))])
                        del buffer[:start]
                    end = buffer.find(FLAG, 1)
                    if end < 0:
                        break
                    frame, buffer = bytes(buffer[1:end]), buffer[end + 1:]
                    if frame and not await self.handle(frame):
                        return
                if len(buffer) > MAX_BUFFER:
                    await dead_letters([(self.sender, _("More than %(n)s bytes without a closing 0x7E flag: the connection is closed.") % {"n": MAX_BUFFER},
                                         bytes(buffer[:256]))])
                    return
        finally:
            self.writer.close()

    def _next_serial(self) -> int:
        self.serial = (self.serial + 1) & 0xFFFF
        return self.serial

    async def reply(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def handle(self, frame: bytes) -> bool:
        """One frame; False closes the connection."""
        try:
            message = decode(frame)
        except FrameError as exc:
            await dead_letters([(self.sender, str(exc), frame)])
            return True
        self.sender = f"jt808:{message.phone}"
        try:
            return await self.dispatch(message, frame)
        except FrameError as exc:
            await dead_letters([(self.sender, str(exc), frame)])
            await self.reply(general_reply(message, FAILED, self._next_serial()))
            return True

    async def dispatch(self, message: Message, frame: bytes) -> bool:
        if message.msg_id == REGISTER:
            plate = registration_plate(message)
            known = await vehicle_for_plate(plate)
            body = struct.pack(">HB", message.serial, OK if known else NO_SUCH_VEHICLE)
            if not known:
                await dead_letters([(self.sender, _("Registration for the plate “%(plate)s”, which no active vehicle terminal has (devices).") % {"plate": plate[:32]}, frame)])
            await self.reply(encode(REGISTER_REPLY, message.phone, self._next_serial(), body,
                                    version=message.version))
            return True
        if message.msg_id == AUTHENTICATE:
            found = await authenticate(auth_code(message))
            if found is None:
                await dead_letters([(self.sender, _("Authentication refused: the auth code is not an active vehicle terminal's device token."),
                                     b"")])  # the code itself is a secret: never stored
                await self.reply(general_reply(message, FAILED, self._next_serial()))
                return False
            self.identity, self.plate = found
            await self.reply(general_reply(message, OK, self._next_serial()))
            return True
        if message.msg_id in (HEARTBEAT, LOGOUT):
            await self.reply(general_reply(message, OK, self._next_serial()))
            return message.msg_id == HEARTBEAT
        if message.msg_id in (LOCATION, BATCH):
            if self.identity is None:
                raise FrameError(_("A location before authentication (0x0102): authenticate with the device token first."))
            bodies = [message.body] if message.msg_id == LOCATION else batch(message.body)
            reasons = await store(self.identity, self.plate, [location(body) for body in bodies])
            if reasons:
                await dead_letters([(self.sender, "; ".join(reasons), frame)])
            await self.reply(general_reply(message, FAILED if reasons else OK, self._next_serial()))
            return True
        await self.reply(general_reply(message, UNSUPPORTED, self._next_serial()))
        return True


async def serve(host: str, port: int, *, ready: asyncio.Event | None = None) -> None:
    async def connection(reader, writer):
        try:
            await Session(reader, writer).run()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except Exception:  # one terminal's surprise never stops the server
            log.exception("jt808 connection failed")

    server = await asyncio.start_server(connection, host, port)
    log.info("JT/T 808 listening on %s", ", ".join(str(s.getsockname()) for s in server.sockets))
    if ready is not None:
        ready.set()
    async with server:
        await server.serve_forever()
