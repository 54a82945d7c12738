"""Positions of moving things (`POST /api/v1/positions/`, API.md "Gates, people and vehicles"):
the shared door, and the registry of who stores what.

An item names its subject as `<kind>:<id>`: `resource:<id>` for a unit (resources.services,
registered by this app) or `vehicle:<plate>` (registered by the park's app above). This module
checks what every position needs (shape, time, coordinates inside the district, duplicates in
the request), then hands each kind's items to the handler registered for that kind, which
checks who may report them and stores them. The answer is readings' answer: `{"accepted",
"rejected": [{"index", "error"}]}`, each error saying what to fix.

    from resources import positions
    positions.register_subject("vehicle", vehicles_positions_store)

A handler is `handler(reports: list[PositionReport], *, user, auth) -> list[(index, error)]`:
it stores the reports it accepts in one transaction and returns the rejected ones.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

MAX_ITEMS = 1000


@dataclass(frozen=True)
class PositionReport:
    index: int  # the item's place in the request
    subject: str  # "resource:12"
    kind: str  # "resource"
    ident: str  # "12"
    ts: datetime
    lon: float
    lat: float
    speed_kmh: float | None = None


Handler = Callable[..., list[tuple[int, str]]]
_handlers: dict[str, Handler] = {}
_authenticators: list = []


def register_subject(kind: str, handler: Handler) -> None:
    """Let `kind:<id>` subjects in, stored by `handler` (see the module's docstring)."""
    if kind in _handlers and _handlers[kind] is not handler:
        raise ValueError(f"Position subject kind {kind!r} is registered twice.")
    _handlers[kind] = handler


def register_authentication(authentication_class) -> None:
    """A DRF authentication class the positions endpoint also accepts (a vehicle terminal's
    device token), tried before people's sessions and tokens; one that refuses the
    credentials lets the next try."""
    if authentication_class not in _authenticators:
        _authenticators.append(authentication_class)


def subject_kinds() -> list[str]:
    return sorted(_handlers)


class PayloadError(ValueError):
    """The whole request is unusable (not a list, too many items): a 400."""


@transaction.atomic
def positions_ingest(*, data, user, auth) -> dict:
    """Check and store a request's positions. Returns `{"accepted", "rejected"}`. One
    transaction: a handler refusing the sender outright (403) leaves nothing written."""
    reports, rejected = parse(data)
    by_kind: dict[str, list[PositionReport]] = {}
    for report in reports:
        by_kind.setdefault(report.kind, []).append(report)
    for kind, items in by_kind.items():
        rejected += _handlers[kind](items, user=user, auth=auth)
    rejected.sort()
    refused = {i for i, _e in rejected}
    return {"accepted": len([r for r in reports if r.index not in refused]),
            "rejected": [{"index": i, "error": str(e)} for i, e in rejected]}


def parse(data) -> tuple[list[PositionReport], list[tuple[int, str]]]:
    """(good reports, [(index, error)]) of a request's array. Raises PayloadError when the
    request is not an array of at most MAX_ITEMS items."""
    if not isinstance(data, list):
        raise PayloadError(_("Send a JSON array of positions: [{\"subject\", \"ts\", \"lon\", \"lat\"}]."))
    if not data:
        raise PayloadError(_("The array is empty: send at least one position."))
    if len(data) > MAX_ITEMS:
        raise PayloadError(_("At most %(n)s positions per request; split the batch.") % {"n": MAX_ITEMS})
    now = timezone.now()
    good, bad, seen = [], [], {}
    for index, item in enumerate(data):
        try:
            report = _report(index, item, now)
        except ValueError as exc:
            bad.append((index, str(exc)))
            continue
        key = (report.subject, report.ts)
        if key in seen:
            bad.append((index, _("Item %(first)s already reports %(subject)s at this time: send it once.")
                        % {"first": seen[key], "subject": report.subject}))
            continue
        seen[key] = index
        good.append(report)
    outside = _outside_district(good)
    if outside:
        message = _("The position is outside the district: check lon/lat (longitude first) and the device's fix.")
        bad += [(r.index, message) for r in good if r.index in outside]
        good = [r for r in good if r.index not in outside]
    return good, sorted(bad)


def _report(index: int, item, now: datetime) -> PositionReport:
    if not isinstance(item, dict):
        raise ValueError(_("Each position is an object with subject, ts, lon and lat."))
    unknown = sorted(set(item) - {"subject", "ts", "lon", "lat", "speed_kmh"})
    if unknown:
        raise ValueError(_("Unknown field(s): %(f)s.") % {"f": ", ".join(unknown)[:200]})
    subject = item.get("subject")
    if not isinstance(subject, str) or ":" not in subject or len(subject) > 100:
        raise ValueError(_("subject must be \"<kind>:<id>\", e.g. \"resource:12\" or \"vehicle:粤A12345\"."))
    kind, ident = subject.split(":", 1)
    if kind not in _handlers:
        raise ValueError(_("Unknown subject kind “%(kind)s”; expected one of: %(kinds)s.")
                         % {"kind": kind[:30], "kinds": ", ".join(subject_kinds())})
    if not ident.strip():
        raise ValueError(_("subject has no id after “%(kind)s:”.") % {"kind": kind})
    raw_ts = item.get("ts")
    ts = parse_datetime(raw_ts) if isinstance(raw_ts, str) and len(raw_ts) <= 40 else None
    if ts is None or timezone.is_naive(ts):
        raise ValueError(_("ts must be an ISO 8601 time with its zone, e.g. 2026-12-06T08:00:00+08:00."))
    if ts > now + timedelta(seconds=settings.POSITION_CLOCK_SKEW_S):
        raise ValueError(_("ts is in the future (%(ts)s): check the device's clock.") % {"ts": raw_ts})
    if ts < now - timedelta(seconds=settings.POSITION_MAX_AGE_S):
        raise ValueError(_("ts is older than %(h)s hours: too old to show where the unit is.")
                         % {"h": settings.POSITION_MAX_AGE_S // 3600})
    lon, lat = _number(item.get("lon"), "lon", -180, 180), _number(item.get("lat"), "lat", -90, 90)
    speed = item.get("speed_kmh")
    speed = None if speed is None else _number(speed, "speed_kmh", 0, 500)
    return PositionReport(index=index, subject=f"{kind}:{ident}", kind=kind, ident=ident, ts=ts,
                          lon=lon, lat=lat, speed_kmh=speed)


def _number(value, name: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
            or not low <= value <= high:
        raise ValueError(_("%(name)s must be a number from %(low)s to %(high)s.")
                         % {"name": name, "low": low, "high": high})
    return float(value)


def _outside_district(reports: list[PositionReport]) -> set[int]:
    """Indexes of the reports outside every area of the district (resources.Area). A district
    with no areas yet bounds nothing."""
    if not reports:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT w.i FROM unnest(%s::int[], %s::float8[], %s::float8[]) AS w(i, lon, lat)
            WHERE EXISTS (SELECT 1 FROM resources_area)
              AND NOT EXISTS (SELECT 1 FROM resources_area a
                              WHERE ST_Intersects(a.boundary, ST_SetSRID(ST_MakePoint(w.lon, w.lat), 4326)))
            """, [[r.index for r in reports], [r.lon for r in reports], [r.lat for r in reports]])
        return {row[0] for row in cursor.fetchall()}
