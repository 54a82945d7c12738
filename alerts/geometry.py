"""Warning areas in and out: GeoJSON (lon,lat) and CAP polygons ("lat,lon" pairs).

Both formats must be given closed (first point = last): silently closing a ring someone
typed would publish an area they never checked, so an open ring is an input error.
"""

from __future__ import annotations

import re

from django.contrib.gis.geos import LinearRing, MultiPolygon, Polygon
from django.utils.translation import gettext as _

MAX_POINTS = 2000
_PAIR = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$")


class AreaError(ValueError):
    """Input that is not a usable warning area; the message says what to fix."""


def area_from_geojson(value) -> MultiPolygon:
    """A GeoJSON Polygon or MultiPolygon (RFC 7946, [lon, lat]) as a MultiPolygon in SRID 4326."""
    if not isinstance(value, dict) or value.get("type") not in ("Polygon", "MultiPolygon"):
        raise AreaError(_('Give the area as a GeoJSON Polygon or MultiPolygon.'))
    coords = value.get("coordinates")
    if not isinstance(coords, list) or not coords:
        raise AreaError(_("The area's coordinates must be a non-empty list of rings of "
                          "[longitude, latitude] positions."))
    polygons = [coords] if value["type"] == "Polygon" else coords
    parts = []
    for rings in polygons:
        if not isinstance(rings, list) or not rings:
            raise AreaError(_("Each polygon needs at least an exterior ring."))
        parts.append(Polygon(*[_ring([_position(p) for p in _as_list(ring)]) for ring in rings]))
    return _checked(MultiPolygon(*parts, srid=4326))


def area_from_cap(text: str) -> MultiPolygon:
    """CAP polygons: one per line (or separated by ';'), each "lat,lon lat,lon ...", closed."""
    if not isinstance(text, str) or not text.strip():
        raise AreaError(_("Enter the area as pairs of latitude,longitude."))
    parts = []
    for chunk in re.split(r"[;\n]+", text.strip()):
        if not chunk.strip():
            continue
        points = []
        for pair in chunk.split():
            match = _PAIR.match(pair)
            if not match:
                raise AreaError(_('"%(pair)s" is not a latitude,longitude pair such as 22.75,113.60.')
                                % {"pair": pair[:40]})
            lat, lon = float(match.group(1)), float(match.group(2))
            points.append(_checked_position(lon, lat))
        parts.append(Polygon(_ring(points)))
    return _checked(MultiPolygon(*parts, srid=4326))


def area_to_cap(area: MultiPolygon) -> list[str]:
    """One CAP polygon string per part: exterior ring only (CAP has no holes), "lat,lon", closed."""
    out = []
    for polygon in area:
        ring = polygon.exterior_ring.coords
        out.append(" ".join(f"{_num(lat)},{_num(lon)}" for lon, lat in ring))
    return out


def _as_list(ring):
    if not isinstance(ring, list):
        raise AreaError(_("Each ring must be a list of [longitude, latitude] positions."))
    return ring


def _position(position) -> tuple[float, float]:
    if (not isinstance(position, list | tuple) or len(position) < 2
            or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in position[:2])):
        raise AreaError(_("Each position must be [longitude, latitude] in numbers."))
    lon, lat = position[0], position[1]
    # Compare before converting: float() of a huge JSON integer would overflow.
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise _off_globe(str(lon)[:20], str(lat)[:20])
    return float(lon), float(lat)


def _checked_position(lon: float, lat: float) -> tuple[float, float]:
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise _off_globe(lon, lat)
    return lon, lat


def _off_globe(lon, lat) -> AreaError:
    return AreaError(_("Point %(lat)s,%(lon)s is off the globe: latitude must lie within ±90, "
                       "longitude within ±180.") % {"lat": lat, "lon": lon})


def _ring(points: list[tuple[float, float]]) -> LinearRing:
    if len(points) > MAX_POINTS:
        raise AreaError(_("The area has more than %(n)d points.") % {"n": MAX_POINTS})
    if len(points) > 1 and points[0] != points[-1]:
        raise AreaError(_("The polygon is not closed: its last point must repeat its first."))
    if len(points) < 4:
        raise AreaError(_("A polygon needs at least four points: three corners and the first repeated at the end."))
    return LinearRing(points)


def _checked(area: MultiPolygon) -> MultiPolygon:
    if not area.valid:
        raise AreaError(_("The area is not a valid polygon (%(reason)s): check that its edges do not cross.")
                        % {"reason": area.valid_reason})
    return area


def _num(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".")
