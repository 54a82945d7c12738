"""Checking what gate devices and vehicle terminals send (API.md "Gates, people and vehicles"):
each item either becomes a clean value or a PayloadError whose message says what to fix."""

from __future__ import annotations

import datetime as dt
import math
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from core.text import UNSTORABLE
from monitoring.parsing import PayloadError, decode  # noqa: F401 - decode is the house's JSON reader

VEHICLE_CLASSES = ("hazmat", "truck", "car", "bus", "van", "other")
CODE = _SUBJECT = re.compile(r"^[^\s/#+$\x00]{1,32}\Z")
_PERSON = re.compile(r"^[^\x00-\x1f]{1,64}\Z")
GATE_FIELDS = frozenset(("gate", "direction", "at", "plate", "person", "vehicle_class"))
POSITION_FIELDS = frozenset(("ts", "lon", "lat", "speed_kmh", "subject"))


def moment(raw, name: str, now: float | None = None) -> dt.datetime:
    """ISO 8601 with an offset or epoch milliseconds; not ahead of the clock (beyond the skew
    the sensors get) and not older than the readings' window."""
    now = time.time() if now is None else now
    if type(raw) in (int, float):
        ts = raw / 1000 if math.isfinite(raw) and abs(raw) < 1e15 else math.nan
        if not math.isfinite(ts):
            raise PayloadError(_("“%(f)s” must be ISO 8601 with an offset, or epoch milliseconds.") % {"f": name})
    elif isinstance(raw, str):
        try:
            parsed = dt.datetime.fromisoformat(raw)
            if parsed.tzinfo is None:
                raise PayloadError(_("“%(f)s” needs a UTC offset (e.g. +08:00 or Z).") % {"f": name})
            ts = parsed.timestamp()
        except (ValueError, OverflowError, OSError):
            raise PayloadError(_("“%(f)s” must be ISO 8601 with an offset, or epoch milliseconds.") % {
                "f": name}) from None
    else:
        raise PayloadError(_("“%(f)s” is required: ISO 8601 with an offset, or epoch milliseconds.") % {"f": name})
    if ts > now + settings.MONITORING_CLOCK_SKEW_S:
        raise PayloadError(_("“%(f)s” is in the future: check the device's clock.") % {"f": name})
    if ts < now - settings.MONITORING_MAX_AGE_S:
        raise PayloadError(_("“%(f)s” is too old (more than %(s)s s ago).") % {
            "f": name, "s": settings.MONITORING_MAX_AGE_S})
    return dt.datetime.fromtimestamp(ts, tz=dt.UTC)


def _text(item: dict, name: str, pattern: re.Pattern, what: str) -> str:
    value = item.get(name)
    if value is None or value == "":
        return ""
    if not isinstance(value, str) or UNSTORABLE.search(value) or not pattern.match(value):
        raise PayloadError(_("“%(f)s” must be %(what)s.") % {"f": name, "what": what})
    return value


@dataclass(frozen=True)
class GateEvent:
    gate: str
    direction: str
    at: dt.datetime
    plate: str
    person: str
    vehicle_class: str


def gate_event(item, *, gate: str | None = None, now: float | None = None) -> GateEvent:
    """One passage; `gate` is the topic's gate code (MQTT), which the item may repeat."""
    if not isinstance(item, dict):
        raise PayloadError(_("Each passage is a JSON object."))
    extra = sorted(set(item) - GATE_FIELDS)
    if extra:
        raise PayloadError(_("Unknown field(s): %(f)s. A passage has gate, direction, at, plate, person and "
                             "vehicle_class.") % {"f": ", ".join(ascii(k) for k in extra[:5])})
    code = _text(item, "gate", _SUBJECT, _("a gate code"))
    if gate is not None and code and code != gate:
        raise PayloadError(_("“gate” %(a)s is not the topic's gate %(b)s.") % {"a": ascii(code), "b": ascii(gate)})
    code = code or gate or ""
    if not code:
        raise PayloadError(_("“gate” is required: the gate's code."))
    direction = item.get("direction")
    if direction not in ("in", "out"):
        raise PayloadError(_("“direction” must be “in” or “out”."))
    at = moment(item.get("at"), "at", now)
    plate = _text(item, "plate", _SUBJECT, _("a plate of at most 32 characters without spaces"))
    person = _text(item, "person", _PERSON, _("a card or person id of at most 64 characters"))
    vehicle_class = item.get("vehicle_class") or ""
    if vehicle_class and vehicle_class not in VEHICLE_CLASSES:
        raise PayloadError(_("“vehicle_class” must be one of: %(c)s.") % {"c": ", ".join(VEHICLE_CLASSES)})
    if not plate and not person:
        raise PayloadError(_("A passage names a “plate” (vehicle lane) or a “person” (person lane)."))
    if plate and person:
        raise PayloadError(_("A passage is a vehicle (“plate”) or a person (“person”), not both."))
    if vehicle_class and not plate:
        raise PayloadError(_("“vehicle_class” goes with a “plate”."))
    return GateEvent(gate=code, direction=direction, at=at, plate=plate, person=person, vehicle_class=vehicle_class)


@dataclass(frozen=True)
class Position:
    plate: str
    ts: dt.datetime
    lon: float
    lat: float
    speed_kmh: float | None


def _number(item: dict, name: str, low: float, high: float, *, required: bool = True) -> float | None:
    value = item.get(name)
    if value is None and not required:
        return None
    if type(value) not in (int, float) or not math.isfinite(value) or not low <= value <= high:
        raise PayloadError(_("“%(f)s” must be a number from %(a)s to %(b)s.") % {"f": name, "a": low, "b": high})
    return float(value)


def position(item, *, plate: str, now: float | None = None) -> Position:
    if not isinstance(item, dict):
        raise PayloadError(_("A position is a JSON object {ts, lon, lat, speed_kmh}."))
    extra = sorted(set(item) - POSITION_FIELDS)
    if extra:
        raise PayloadError(_("Unknown field(s): %(f)s. A position has ts, lon, lat and speed_kmh.") % {
            "f": ", ".join(ascii(k) for k in extra[:5])})
    if not _SUBJECT.match(plate):
        raise PayloadError(_("The plate must be at most 32 characters without spaces."))
    ts = moment(item.get("ts"), "ts", now)
    lon = _number(item, "lon", -180, 180)
    lat = _number(item, "lat", -90, 90)
    speed = _number(item, "speed_kmh", 0, 400, required=False)
    return Position(plate=plate, ts=ts, lon=lon, lat=lat, speed_kmh=speed)
