"""Vehicle positions (定位和追踪): stored, checked, and the vehicle rules (DOMAIN.md "Closed park
management"): off the approved route by more than PARK_OFF_ROUTE_M, over the road's speed
limit, stopped longer than PARK_STOPPED_S outside a parking lot → a vehicle alarm, cleared when
the vehicle is back on its route, slower, moving.

Built for the park's whole fleet at once (issue 24.10: 500 positions a second): a batch is one
query for the vehicles' last states, one INSERT for the positions, one UPSERT for the states;
what rarely changes (the district's boundary, the lots, the approved routes, the known plates)
is read every few seconds, not per position. Distances are metres on a local flat projection
(equirectangular about the vehicle's latitude): within a park, off by far less than a metre.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import stream
from park import events, routing
from park.models import AlarmState, ParkZone, VehicleAlarm, VehiclePosition
from park.parsing import Position

CACHE_S = 5.0
M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON = 111_320.0
STOPPED_KMH = 2.0


def _xy(lon: float, lat: float, lat0: float) -> tuple[float, float]:
    return lon * M_PER_DEG_LON * math.cos(math.radians(lat0)), lat * M_PER_DEG_LAT


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat0 = (a[1] + b[1]) / 2
    ax, ay = _xy(a[0], a[1], lat0)
    bx, by = _xy(b[0], b[1], lat0)
    return math.hypot(ax - bx, ay - by)


def distance_to_line(lon: float, lat: float, coords: list[tuple[float, float]]) -> float:
    """Metres from the point to the polyline."""
    px, py = _xy(lon, lat, lat)
    best = math.inf
    pts = [_xy(x, y, lat) for x, y in coords]
    for (ax, ay), (bx, by) in zip(pts, pts[1:], strict=False):
        dx, dy = bx - ax, by - ay
        span = dx * dx + dy * dy
        t = 0.0 if span == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / span))
        best = min(best, math.hypot(px - (ax + t * dx), py - (ay + t * dy)))
    return best if len(pts) > 1 else metres((lon, lat), coords[0]) if pts else math.inf


@dataclass
class _Reference:
    """What the rules need and rarely changes, read at most every CACHE_S."""

    at: float = -1e9
    plates: frozenset = frozenset()
    district: bytes | None = None  # the boundary as EWKB (tested in SQL, a batch at once), or None
    lots: tuple = ()  # prepared geometries of the parking lots
    routes: dict = None  # plate → (appointment id, enterprise id, [(lon, lat)], window_from, window_to)


_ref = _Reference()
_route_coords: dict[int, list[tuple[float, float]]] = {}  # appointment id → its route's (lon, lat)


def reference(now: float | None = None) -> _Reference:
    now = time.monotonic() if now is None else now
    if now - _ref.at < CACHE_S:
        return _ref
    import orjson

    from devices.models import Device, DeviceKind
    from places.models import BasemapFeature
    from resources.models import Area

    moment = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, plate, destination_id, window_from, window_to FROM park_hazmatappointment "
                       "WHERE state = 'approved' AND window_to >= %s AND window_from <= %s AND route IS NOT NULL "
                       "ORDER BY window_from", [moment - dt.timedelta(hours=1), moment + dt.timedelta(days=1)])
        appointments = cursor.fetchall()
        # Routes do not change once approved: only the new ones are read (as GeoJSON, which is
        # much cheaper to turn into coordinates than GEOS objects point by point).
        missing = [a[0] for a in appointments if a[0] not in _route_coords]
        if missing:
            cursor.execute("SELECT id, ST_AsGeoJSON(route, 7) FROM park_hazmatappointment WHERE id = ANY(%s)",
                           [missing])
            for pk, text in cursor.fetchall():
                _route_coords[pk] = [tuple(c) for c in orjson.loads(text)["coordinates"]]
    plates = set(Device.objects.filter(kind=DeviceKind.VEHICLE_TERMINAL, revoked_at__isnull=True)
                 .values_list("subject", flat=True))
    plates |= {a[1] for a in appointments}
    boundary = None
    shapes = [f.geometry for f in BasemapFeature.objects.filter(layer=BasemapFeature.Layer.BOUNDARY)]
    if not shapes:
        shapes = [a.boundary for a in Area.objects.all()]
    if shapes:
        boundary = shapes[0]
        for shape in shapes[1:]:
            boundary = boundary.union(shape)
        boundary = bytes(boundary.buffer(0.002).ewkb)  # about 200 m of tolerance at the edge
    lots = tuple(z.area.prepared for z in ParkZone.objects.filter(kind=ParkZone.Kind.PARKING))
    routes = {}
    for pk, plate, enterprise_id, window_from, window_to in appointments:
        routes.setdefault(plate, []).append((pk, enterprise_id, _route_coords[pk], window_from, window_to))
    _ref.at, _ref.plates, _ref.district, _ref.lots, _ref.routes = now, frozenset(plates), boundary, lots, routes
    return _ref


def reference_forget() -> None:
    _ref.at = -1e9
    _route_coords.clear()


def _route_now(ref: _Reference, plate: str, ts: dt.datetime):
    for entry in ref.routes.get(plate, ()):
        if entry[3] <= ts <= entry[4]:
            return entry
    return None


def vehicle_positions_store(*, positions: list[tuple[int, Position]], now: float | None = None
                            ) -> tuple[int, list[tuple[int, str]]]:
    """Store vehicles' positions and apply the rules; one transaction. `positions`: (index in
    the request or message, position). Answers (accepted, [(index, reason)] refused): an
    unknown plate, a point outside the district, a jump faster than PARK_MAX_JUMP_KMH. The same
    position twice is accepted and stored once."""

    ref = reference(now)
    refused: list[tuple[int, str]] = []
    kept: list[tuple[int, Position]] = []
    for index, p in positions:
        if p.plate not in ref.plates:
            refused.append((index, _("Unknown plate “%(p)s”: no vehicle terminal or appointment has it.") % {
                "p": p.plate}))
        else:
            kept.append((index, p))
    if ref.district is not None and kept:
        with connection.cursor() as cursor:
            cursor.execute("SELECT u.i FROM unnest(%s::int[], %s::float8[], %s::float8[]) AS u(i, x, y) "
                           "WHERE NOT ST_Intersects(ST_GeomFromEWKB(%s), ST_SetSRID(ST_MakePoint(u.x, u.y), 4326))",
                           [list(range(len(kept))), [p.lon for _i, p in kept], [p.lat for _i, p in kept],
                            ref.district])
            outside = {row[0] for row in cursor.fetchall()}
        if outside:
            for n in sorted(outside):
                index, p = kept[n]
                refused.append((index, _("(%(lon).5f, %(lat).5f) is outside the district: check the terminal's "
                                         "fix (lon, lat order).") % {"lon": p.lon, "lat": p.lat}))
            kept = [item for n, item in enumerate(kept) if n not in outside]
    if not kept:
        return 0, refused
    kept.sort(key=lambda item: (item[1].plate, item[1].ts))
    plates = sorted({p.plate for _i, p in kept})
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT plate, ts, ST_X(location), ST_Y(location), speed_kmh, stopped_since "
                           "FROM park_vehicletrack WHERE plate = ANY(%s) FOR UPDATE", [plates])
            tracks = {row[0]: list(row[1:]) for row in cursor.fetchall()}
        rows, accepted, latest = [], 0, {}
        for index, p in kept:
            last = tracks.get(p.plate)
            speed = p.speed_kmh
            if last is not None and p.ts > last[0]:
                seconds = (p.ts - last[0]).total_seconds()
                moved = metres((last[1], last[2]), (p.lon, p.lat))
                implied = moved / seconds * 3.6
                if implied > settings.PARK_MAX_JUMP_KMH and moved > 100:
                    refused.append((index, _("A jump of %(m).0f m in %(s).0f s (%(v).0f km/h) since the last "
                                             "position: a bad fix.") % {"m": moved, "s": seconds, "v": implied}))
                    continue
                if speed is None:
                    speed = implied
            accepted += 1
            rows.append(p)
            if last is None or p.ts > last[0]:
                stopped = last[4] if last is not None else None
                if speed is not None and speed < STOPPED_KMH:
                    stopped = stopped or p.ts
                else:
                    stopped = None
                tracks[p.plate] = [p.ts, p.lon, p.lat, speed, stopped]
                latest[p.plate] = (index, p, speed, stopped)
        if rows:
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO park_vehicleposition (plate, ts, location, speed_kmh) "
                    "SELECT p, to_timestamp(t), ST_SetSRID(ST_MakePoint(x, y), 4326), s FROM "
                    "unnest(%s::text[], %s::float8[], %s::float8[], %s::float8[], %s::float8[]) AS u(p, t, x, y, s) "
                    "ON CONFLICT ON CONSTRAINT park_position_once DO NOTHING",
                    [[p.plate for p in rows], [p.ts.timestamp() for p in rows], [p.lon for p in rows], [p.lat for p in rows],
                     [p.speed_kmh for p in rows]])
        if latest:
            items = list(latest.values())
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO park_vehicletrack (plate, ts, location, speed_kmh, stopped_since) "
                    "SELECT p, to_timestamp(t), ST_SetSRID(ST_MakePoint(x, y), 4326), s, to_timestamp(st) FROM "
                    "unnest(%s::text[], %s::float8[], %s::float8[], %s::float8[], %s::float8[], "
                    "%s::float8[]) AS u(p, t, x, y, s, st) "
                    "ON CONFLICT (plate) DO UPDATE SET ts = EXCLUDED.ts, location = EXCLUDED.location, "
                    "speed_kmh = EXCLUDED.speed_kmh, stopped_since = EXCLUDED.stopped_since",
                    [[p.plate for _i, p, _s, _st in items], [p.ts.timestamp() for _i, p, _s, _st in items],
                     [p.lon for _i, p, _s, _st in items], [p.lat for _i, p, _s, _st in items],
                     [s for _i, _p, s, _st in items],
                     [st.timestamp() if st else None for _i, _p, _s, st in items]])
            _rules(ref, items)
    return accepted, sorted(refused)


def _rules(ref: _Reference, items) -> None:
    """Raise or clear each vehicle's alarms from its latest position."""
    from django.contrib.gis.geos import Point

    plates = [p.plate for _i, p, _s, _st in items]
    open_alarms = {(a.plate, a.kind): a for a in VehicleAlarm.objects.filter(plate__in=plates, cleared_at__isnull=True)}
    # The road's own limit where the vehicle is (one query for the batch), else the park's.
    limits = routing.speed_limits([(p.lon, p.lat) for _i, p, _s, _st in items])
    for (_index, p, speed, stopped), road_limit in zip(items, limits, strict=True):
        limit = road_limit or settings.PARK_SPEED_LIMIT_KMH
        route = _route_now(ref, p.plate, p.ts)
        # (broken?, a function giving the detail): the text is made only for an alarm raised.
        checks = {}
        if route is not None:
            off = distance_to_line(p.lon, p.lat, route[2])
            checks[VehicleAlarm.Kind.OFF_ROUTE] = (off > settings.PARK_OFF_ROUTE_M, lambda off=off: _(
                "%(m).0f m off the approved route") % {"m": off})
        if speed is not None:
            checks[VehicleAlarm.Kind.SPEEDING] = (speed > limit, lambda speed=speed, limit=limit: _(
                "%(v).0f km/h where the limit is %(l)s km/h") % {"v": speed, "l": limit})
        standing = stopped is not None and (p.ts - stopped).total_seconds() > settings.PARK_STOPPED_S
        where = Point(p.lon, p.lat, srid=4326) if standing else None
        in_lot = standing and any(lot.contains(where) for lot in ref.lots)
        checks[VehicleAlarm.Kind.STOPPED] = (standing and not in_lot, lambda stopped=stopped: _(
            "stopped since %(t)s outside a parking lot") % {"t": timezone.localtime(stopped).strftime("%H:%M")})
        for kind, (broken, detail) in checks.items():
            alarm = open_alarms.get((p.plate, kind))
            if broken and alarm is None:
                alarm = VehicleAlarm.objects.create(
                    plate=p.plate, kind=kind, raised_at=p.ts, location=Point(p.lon, p.lat, srid=4326),
                    detail=detail()[:300],
                    appointment_id=route[0] if route else None, enterprise_id=route[1] if route else None)
                stream.publish(events.VEHICLE_ALARM, alarm)
            elif not broken and alarm is not None:
                alarm.cleared_at, alarm.state = p.ts, AlarmState.CLEARED
                alarm.save(update_fields=["cleared_at", "state"])
                stream.publish(events.VEHICLE_ALARM, alarm)


def positions_purge(*, now: dt.datetime | None = None) -> int:
    """Positions older than PARK_POSITION_RETENTION_DAYS go (privacy, issue 24.11)."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.PARK_POSITION_RETENTION_DAYS)
    deleted, _detail = VehiclePosition.objects.filter(ts__lt=cutoff).delete()
    return deleted
