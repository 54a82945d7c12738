"""Sensor input, from MQTT or HTTP, into readings or reasons why not (docs/contract.md).

Bad input never stops ingestion: every function here returns what it could use and a list of
(index, reason) for the rest, and never raises on content.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

GATEWAY_MAX_ITEMS = 1000


@dataclass(frozen=True)
class RawReading:
    point: str
    ts: dt.datetime
    value: float
    good: bool


class PayloadError(ValueError):
    """The payload as a whole is unusable (malformed JSON, too large, wrong shape)."""


def decode(payload: bytes | str):
    """JSON from bytes, refusing NaN/Infinity literals and payloads over the size limit."""
    limit = settings.MONITORING_MAX_PAYLOAD_BYTES
    if len(payload) > limit:
        raise PayloadError(_("Payload of %(n)s bytes is over the limit of %(limit)s bytes.") % {
            "n": len(payload), "limit": limit})
    try:
        text = payload.decode("utf-8") if isinstance(payload, bytes) else payload
        return json.loads(text, parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError) as exc:
        raise PayloadError(_("Malformed JSON: %(error)s") % {"error": exc}) from None


def reading(item, *, point: str | None = None, now: dt.datetime | None = None) -> RawReading:
    """One reading from a JSON object; `point` comes from the topic for park/points/<code>.
    Raises PayloadError with a message naming the field at fault."""
    if not isinstance(item, dict):
        raise PayloadError(_("Each reading must be a JSON object."))
    allowed = {"ts", "value", "quality"} | (set() if point else {"point"})
    unknown = set(item) - allowed
    if unknown:
        raise PayloadError(_("Unknown field(s): %(f)s.") % {"f": ", ".join(sorted(map(str, unknown)))})
    code = point if point is not None else item.get("point")
    if not isinstance(code, str) or not code or len(code) > 64:
        raise PayloadError(_("“point” must be a point code (text, at most 64 characters)."))
    value = item.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PayloadError(_("“value” must be a number."))
    value = float(value)
    if not math.isfinite(value):
        raise PayloadError(_("“value” must be a finite number."))
    quality = item.get("quality", "good")
    if quality not in ("good", "bad"):
        raise PayloadError(_("“quality” must be “good” or “bad”."))
    ts = parse_ts(item.get("ts"), now=now)
    return RawReading(point=code, ts=ts, value=value, good=quality == "good")


def readings(data, *, now: dt.datetime | None = None) -> tuple[list[RawReading], list[tuple[int, str]]]:
    """A gateway's array: the usable readings and (index, reason) for each that is not."""
    if not isinstance(data, list):
        raise PayloadError(_("The body must be a JSON array of readings."))
    if len(data) > GATEWAY_MAX_ITEMS:
        raise PayloadError(_("At most %(n)s readings per batch.") % {"n": GATEWAY_MAX_ITEMS})
    now = now or dt.datetime.now(dt.UTC)
    good, bad = [], []
    for index, item in enumerate(data):
        try:
            good.append(reading(item, now=now))
        except PayloadError as exc:
            bad.append((index, str(exc)))
    return good, bad


def parse_ts(raw, *, now: dt.datetime | None = None) -> dt.datetime:
    """ISO 8601 with an offset, or epoch milliseconds; not too far in the future or past."""
    now = now or dt.datetime.now(dt.UTC)
    if isinstance(raw, bool) or raw is None:
        raise PayloadError(_("“ts” is required: ISO 8601 with an offset, or epoch milliseconds."))
    try:
        if isinstance(raw, int | float):
            if not math.isfinite(raw):
                raise ValueError
            ts = dt.datetime.fromtimestamp(raw / 1000, tz=dt.UTC)
        elif isinstance(raw, str):
            ts = dt.datetime.fromisoformat(raw)
            if ts.tzinfo is None:
                raise PayloadError(_("“ts” needs a UTC offset (e.g. +08:00 or Z)."))
            ts = ts.astimezone(dt.UTC)
        else:
            raise ValueError
    except PayloadError:
        raise
    except (ValueError, OverflowError, OSError):
        raise PayloadError(_("“ts” must be ISO 8601 with an offset, or epoch milliseconds.")) from None
    if ts > now + dt.timedelta(seconds=settings.MONITORING_MAX_FUTURE_S):
        raise PayloadError(_("“ts” is in the future (more than %(s)s s ahead): check the sensor's clock.") % {
            "s": settings.MONITORING_MAX_FUTURE_S})
    if ts < now - dt.timedelta(seconds=settings.MONITORING_MAX_AGE_S):
        raise PayloadError(_("“ts” is too old (more than %(s)s s ago).") % {"s": settings.MONITORING_MAX_AGE_S})
    return ts


def _refuse_constant(name):
    raise ValueError(f"{name} is not valid JSON")
