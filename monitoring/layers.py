"""The `monitoring-points` map layer: each point with its state, built in one SQL statement
(like command.layers, which this app may not import). To be registered with the layer
registry once core has one; served meanwhile at /api/v1/layers/monitoring-points/."""

from __future__ import annotations

from django.db import connection
from django.utils.translation import gettext as _
from rest_framework.renderers import JSONRenderer

from core.errors import DomainError
from monitoring.models import PointState

CONTENT_TYPE = "application/geo+json"
NAME = "monitoring-points"


class GeoJSONRenderer(JSONRenderer):
    media_type = CONTENT_TYPE
    format = "geojson"


def monitoring_points(*, bbox=None, states=None) -> str:
    where, params = [], {}
    geometry = "t.location::geometry"
    if bbox is not None:
        params.update(zip(("minx", "miny", "maxx", "maxy"), bbox, strict=True))
        where.append(f"{geometry} && ST_MakeEnvelope(%(minx)s, %(miny)s, %(maxx)s, %(maxy)s, 4326)")
    if states:
        where.append("t.state = ANY(%(states)s)")
        params["states"] = states
    sql = f"""
        SELECT json_build_object('type', 'FeatureCollection', 'features', COALESCE(json_agg(
            json_build_object('type', 'Feature', 'id', t.id,
                'geometry', ST_AsGeoJSON({geometry}, 6, 0)::json,
                'properties', json_build_object('code', t.code, 'name', t.name, 'kind', t.kind, 'unit', t.unit,
                    'state', t.state, 'value', t.last_value, 'ts', t.last_ts, 'risk_source', t.risk_source_id,
                    'risk_source_code', rs.code, 'h', t.limit_h, 'hh', t.limit_hh, 'l', t.limit_l, 'll', t.limit_ll,
                    'url', '/monitoring/points/' || t.id || '/'))
            ORDER BY t.id), '[]'::json))::text
        FROM monitoring_monitoringpoint t LEFT JOIN hazards_risksource rs ON rs.id = t.risk_source_id
        {"WHERE " + " AND ".join(where) if where else ""}"""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def parse_bbox(raw: str | None):
    if not raw:
        return None
    message = _("bbox must be minlon,minlat,maxlon,maxlat in degrees, west before east and south before north.")
    try:
        minx, miny, maxx, maxy = (float(v) for v in raw.split(","))
    except ValueError:
        raise DomainError(message) from None
    if not (-180 <= minx < maxx <= 180 and -90 <= miny < maxy <= 90):
        raise DomainError(message)
    return minx, miny, maxx, maxy


def parse_states(raw: str | None):
    if not raw:
        return None
    states = [s for s in raw.split(",") if s]
    unknown = [s for s in states if s not in PointState.values]
    if unknown:
        raise DomainError(_("Unknown state(s): %(s)s. Use %(all)s.") % {
            "s": ", ".join(unknown), "all": ", ".join(PointState.values)})
    return states
