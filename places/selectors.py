"""Reads over the district's geography: address search and where the district ends."""

from __future__ import annotations

from django.contrib.gis.geos import Point
from django.db import connection

from places.models import BasemapFeature, Place

# word_similarity() of pg_trgm from which a name counts as a match: low enough that one
# wrong character in a four-character Chinese name still finds it (新城大路 → 新城大道, 0.6).
MATCH_THRESHOLD = 0.3
# The reverse direction (the whole name inside a longer query, as in "新城大道88号") needs a
# nearly whole name: a short, common name must not match every query.
# A point this close outside the boundary is taken as inside: boundaries are drawn with a
# tolerance and a call from the roadside on the border is the district's.
BOUNDARY_TOLERANCE_M = 150


def places_search(*, query: str, limit: int = 10, near: Point | None = None) -> list[dict]:
    """Places whose name, other names or address match `query`, best first.

    A name containing the query ranks first, then pg_trgm's word similarity (fuzzy, works on
    Chinese characters), then the shorter name; with `near`, the closer one breaks ties.
    """
    query = " ".join((query or "").replace("\x00", "").split())[:100]
    if not query:
        return []
    like = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    near_sql = "ST_Distance(p.location::geography, ST_GeogFromText(%(near)s)), " if near else ""
    sql = f"""
        SELECT p.id, p.name, p.kind, p.address, p.town, ST_X(p.location) AS lon, ST_Y(p.location) AS lat,
               GREATEST(word_similarity(%(q)s, p.name), word_similarity(%(q)s, p.aliases),
                        word_similarity(p.name, %(q)s) * 0.9) AS score,
               (p.name ILIKE %(like)s OR p.aliases ILIKE %(like)s) AS contains
        FROM places_place p
        WHERE p.name ILIKE %(like)s OR p.aliases ILIKE %(like)s OR p.address ILIKE %(like)s
           OR word_similarity(%(q)s, p.name) >= %(threshold)s
           OR word_similarity(%(q)s, p.aliases) >= %(threshold)s
           OR (length(p.name) >= 3 AND word_similarity(p.name, %(q)s) >= 0.8)
        ORDER BY contains DESC, score DESC, {near_sql}length(p.name), p.id
        LIMIT %(limit)s
    """
    params = {"q": query, "like": like, "threshold": MATCH_THRESHOLD, "limit": int(limit),
              "near": f"SRID=4326;POINT({near.x} {near.y})" if near else None}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [c[0] for c in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    kinds = dict(Place.Kind.choices)
    for row in rows:
        row["kind_label"] = str(kinds.get(row["kind"], row["kind"]))
        row["score"] = round(float(row["score"] or 0), 3)
        row["lon"], row["lat"] = round(row["lon"], 6), round(row["lat"], 6)
    return rows


def district_has_boundary() -> bool:
    return BasemapFeature.objects.filter(layer=BasemapFeature.Layer.BOUNDARY).exists()


def district_distance_m(point: Point) -> float | None:
    """Metres from the point to the district (0 inside), or None when no boundary is loaded."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT MIN(ST_Distance(geometry::geography, ST_GeogFromText(%s))) FROM places_basemapfeature "
            "WHERE layer = 'boundary'", [f"SRID=4326;POINT({point.x} {point.y})"])
        (distance,) = cursor.fetchone()
    return None if distance is None else float(distance)


def district_extent() -> tuple[float, float, float, float] | None:
    """The boundary's bounding box (west, south, east, north), or None."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
                       "(SELECT ST_Extent(geometry) AS e FROM places_basemapfeature WHERE layer = 'boundary') x")
        row = cursor.fetchone()
    return None if row is None or row[0] is None else tuple(float(v) for v in row)


def basemap_geojson(*, bbox: tuple[float, float, float, float] | None = None, layers: list[str] | None = None) -> str:
    """The base map as one RFC 7946 FeatureCollection, assembled by PostgreSQL, bottom layer first."""
    order = BasemapFeature.DRAW_ORDER
    where, params = [], []
    if bbox:
        where.append("geometry && ST_MakeEnvelope(%s, %s, %s, %s, 4326)")
        params += list(bbox)
    if layers:
        where.append("layer = ANY(%s)")
        params.append(layers)
    sql = f"""
        SELECT json_build_object('type', 'FeatureCollection', 'features', COALESCE(json_agg(
            json_build_object('type', 'Feature', 'id', id,
                              'geometry', ST_AsGeoJSON(ST_ForcePolygonCCW(geometry), 6)::json,
                              'properties', json_build_object('layer', layer, 'name', name))
            ORDER BY array_position(%s, layer::text), id), '[]'::json))::text
        FROM places_basemapfeature {"WHERE " + " AND ".join(where) if where else ""}
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [order] + params)
        return cursor.fetchone()[0]
