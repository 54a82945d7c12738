"""Sensor input, from MQTT or HTTP, into readings or reasons why not (docs/contract.md).

Bad input never stops ingestion: every function here returns what it could use and a list of
(index, reason) for the rest, and never raises on content.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from dataclasses import dataclass

import orjson
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
    """JSON from bytes, refusing NaN/Infinity literals and payloads over the size limit.

    orjson, because this runs once per MQTT message: it is several times faster than the
    standard library, and, like the contract, it refuses NaN and Infinity."""
    limit = settings.MONITORING_MAX_PAYLOAD_BYTES
    if len(payload) > limit:
        raise PayloadError(_("Payload of %(n)s bytes is over the limit of %(limit)s bytes.") % {
            "n": len(payload), "limit": limit})
    try:
        return orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise PayloadError(_("Malformed JSON: %(error)s") % {"error": exc}) from None


class Window:
    """The accepted reading times around `now` (epoch seconds), fixed once per batch."""

    __slots__ = ("oldest", "newest")

    def __init__(self, now: float | None = None):
        now = time.time() if now is None else now
        self.newest = now + settings.MONITORING_CLOCK_SKEW_S
        self.oldest = now - settings.MONITORING_MAX_AGE_S


_POINT_FIELDS = frozenset(("ts", "value", "quality"))
_GATEWAY_FIELDS = frozenset(("ts", "value", "quality", "point"))


def row(item, window: Window, point: str | None = None) -> tuple[str, float, float, bool]:
    """One reading from a JSON object as (code, epoch seconds, value, good): the ingester's
    path, without a datetime or an object per reading. `point` comes from the topic for
    park/points/<code>. Raises PayloadError with a message naming the field at fault."""
    if type(item) is not dict:
        raise PayloadError(_("Each reading must be a JSON object."))
    if not (_POINT_FIELDS if point else _GATEWAY_FIELDS).issuperset(item):
        unknown = set(item) - (_POINT_FIELDS if point else _GATEWAY_FIELDS)
        raise PayloadError(_("Unknown field(s): %(f)s.") % {"f": ", ".join(sorted(map(str, unknown)))})
    code = point if point is not None else item.get("point")
    if type(code) is not str or not code or len(code) > 64:
        raise PayloadError(_("“point” must be a point code (text, at most 64 characters)."))
    if not code.isprintable():
        # NUL, control characters, lone surrogates: PostgreSQL refuses some, and none is a code.
        raise PayloadError(_("“point” must be printable text (no NUL or control characters)."))
    value = item.get("value")
    kind = type(value)
    if kind is int:
        value = float(value) if -1e300 < value < 1e300 else math.inf
    elif kind is not float:
        raise PayloadError(_("“value” must be a number."))
    if not math.isfinite(value):
        raise PayloadError(_("“value” must be a finite number."))
    quality = item.get("quality", "good")
    if quality != "good" and quality != "bad":  # noqa: PLR1714 - a str compare, not a hash of any JSON type
        raise PayloadError(_("“quality” must be “good” or “bad”."))
    return code, epoch(item.get("ts"), window), value, quality == "good"


def reading(item, *, point: str | None = None, now: dt.datetime | None = None) -> RawReading:
    """One reading from a JSON object (see `row`)."""
    code, ts, value, good = row(item, Window(now.timestamp() if now else None), point)
    return RawReading(point=code, ts=dt.datetime.fromtimestamp(ts, tz=dt.UTC), value=value, good=good)


def rows(data, window: Window) -> tuple[list[tuple[str, float, float, bool]], list[tuple[int, str]]]:
    """A gateway's array: the usable readings (see `row`) and (index, reason) for each that is not."""
    if not isinstance(data, list):
        raise PayloadError(_("The body must be a JSON array of readings."))
    if len(data) > GATEWAY_MAX_ITEMS:
        raise PayloadError(_("At most %(n)s readings per batch.") % {"n": GATEWAY_MAX_ITEMS})
    good, bad = [], []
    for index, item in enumerate(data):
        try:
            good.append(row(item, window))
        except PayloadError as exc:
            bad.append((index, str(exc)))
    return good, bad


def readings(data, *, now: dt.datetime | None = None) -> tuple[list[RawReading], list[tuple[int, str]]]:
    """A gateway's array: the usable readings and (index, reason) for each that is not."""
    good, bad = rows(data, Window(now.timestamp() if now else None))
    return [RawReading(point=code, ts=dt.datetime.fromtimestamp(ts, tz=dt.UTC), value=value, good=ok)
            for code, ts, value, ok in good], bad


def epoch(raw, window: Window) -> float:
    """ISO 8601 with an offset, or epoch milliseconds, as epoch seconds; inside the window."""
    kind = type(raw)
    if kind is int or kind is float:
        ts = raw / 1000 if -1e300 < raw < 1e300 else math.nan
        if not math.isfinite(ts):
            raise PayloadError(_("“ts” must be ISO 8601 with an offset, or epoch milliseconds."))
    elif kind is str:
        try:
            parsed = dt.datetime.fromisoformat(raw)
        except ValueError:
            raise PayloadError(_("“ts” must be ISO 8601 with an offset, or epoch milliseconds.")) from None
        if parsed.tzinfo is None:
            raise PayloadError(_("“ts” needs a UTC offset (e.g. +08:00 or Z)."))
        try:
            ts = parsed.timestamp()
        except (OverflowError, OSError, ValueError):
            raise PayloadError(_("“ts” must be ISO 8601 with an offset, or epoch milliseconds.")) from None
    elif raw is None or kind is bool:
        raise PayloadError(_("“ts” is required: ISO 8601 with an offset, or epoch milliseconds."))
    else:
        raise PayloadError(_("“ts” must be ISO 8601 with an offset, or epoch milliseconds."))
    if ts > window.newest:
        raise PayloadError(_("“ts” is in the future (more than %(s)s s ahead): check the sensor's clock.") % {
            "s": settings.MONITORING_CLOCK_SKEW_S})
    if ts < window.oldest:
        raise PayloadError(_("“ts” is too old (more than %(s)s s ago).") % {"s": settings.MONITORING_MAX_AGE_S})
    return ts


def parse_ts(raw, *, now: dt.datetime | None = None) -> dt.datetime:
    """ISO 8601 with an offset, or epoch milliseconds; not too far in the future or past."""
    return dt.datetime.fromtimestamp(epoch(raw, Window(now.timestamp() if now else None)), tz=dt.UTC)
