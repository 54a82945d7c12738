"""GeoJSON map layers (../shared/API.md, "Map layers"), built in one SQL statement each.

PostgreSQL assembles the whole FeatureCollection (ST_AsGeoJSON + json_agg), so a layer of
10,000 features never becomes 10,000 Python objects. RFC 7946: coordinates are lon, lat in
WGS 84 (SRID 4326 stores x = lon), no "crs" member (option 0), six decimals (≈ 0.1 m), and
ST_ForcePolygonCCW gives exterior rings counter-clockwise (the right-hand rule).
This module lives in command because it reads incidents, resources and hazards alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.decorators import api_view, permission_classes, renderer_classes
from rest_framework.renderers import JSONRenderer

from core.api import role_permission
from core.errors import DomainError
from core.roles import CONSOLE_ROLES

CONTENT_TYPE = "application/geo+json"


@dataclass
class Layer:
    table: str  # FROM clause, aliased t
    geometry: str  # SQL expression of a 4326 geometry
    properties: str  # SQL json_build_object(...)
    where: list[str] = field(default_factory=list)


def _incident_url_prefix() -> str:
    return reverse("incidents:detail", args=[0])[:-2]


LAYERS = {
    "incidents": Layer(
        table="incidents_incident t JOIN incidents_incidenttype it ON it.id = t.type_id",
        geometry="t.location::geometry",
        properties="""json_build_object('number', t.number, 'title', t.title, 'type', it.code,
            'type_name', it.name_zh, 'type_name_en', it.name_en, 'severity', t.severity,
            'status', t.status, 'address', t.address, 'url', %(incident_url)s || t.id || '/',
            'exercise', t.exercise)""",
    ),
    "resources": Layer(
        table="resources_resource t JOIN resources_agency a ON a.id = t.agency_id",
        geometry="t.location::geometry",
        properties="""json_build_object('code', t.code, 'name', t.name, 'kind', t.kind, 'status', t.status,
            'agency', a.name, 'phone', t.phone)""",
        where=["t.kind <> 'shelter'"],
    ),
    "shelters": Layer(
        table="resources_resource t",
        geometry="t.location::geometry",
        properties="""json_build_object('code', t.code, 'name', t.name, 'status', t.status,
            'capacity', t.capacity, 'occupancy', COALESCE(t.occupancy, 0),
            'free', t.capacity - COALESCE(t.occupancy, 0))""",
        where=["t.kind = 'shelter'"],
    ),
    "risk-sources": Layer(
        table="hazards_risksource t JOIN hazards_enterprise e ON e.id = t.enterprise_id",
        geometry="COALESCE(t.footprint, t.location::geometry)",
        properties="""json_build_object('code', t.code, 'name', t.name, 'name_en', t.name_en,
            'installation', t.installation, 'enterprise', e.name, 'enterprise_en', e.name_en,
            'grade', t.grade, 'r_value', round(t.r_value::numeric, 2), 'is_major', t.is_major,
            'people_within_500m', t.people_within_500m)""",
    ),
    "targets": Layer(
        table="hazards_sensitivetarget t",
        geometry="t.location::geometry",
        properties="""json_build_object('code', t.code, 'name', t.name, 'name_en', t.name_en, 'kind', t.kind,
            'population', t.population)""",
    ),
    "hazard-zones": Layer(
        table="hazards_hazardzone t",
        geometry="t.boundary",
        properties="""json_build_object('code', t.code, 'name', t.name, 'name_en', t.name_en, 'kind', t.kind,
            'level', t.level, 'description', t.description)""",
    ),
    "areas": Layer(
        table="resources_area t",
        geometry="t.boundary",
        properties="""json_build_object('code', t.code, 'name', t.name, 'name_en', t.name_en, 'kind', t.kind,
            'population', t.population)""",
    ),
    "threat-zones": Layer(
        table="""hazards_threatzone t JOIN hazards_release r ON r.id = t.release_id
            JOIN hazards_chemical c ON c.id = r.chemical_id""",
        geometry="t.boundary",
        properties="""json_build_object('release', r.id, 'incident', r.incident_id, 'level', t.level,
            'threshold_ppm', t.threshold_ppm, 'distance_m', round(t.distance_m::numeric, 1),
            'chemical', c.name, 'chemical_en', c.name_en, 'cas', c.cas, 'created_at', r.created_at,
            'exercise', r.exercise)""",
    ),
}

# Query-string filters per layer: name -> (SQL with %(name)s, how to parse the value).
FILTERS = {
    "incidents": {"status": "t.status = ANY(%(status)s)", "severity": "t.severity = ANY(%(severity)s)"},
    "resources": {"status": "t.status = ANY(%(status)s)", "kind": "t.kind = ANY(%(kind)s)"},
    "risk-sources": {"grade": "t.grade = ANY(%(grade)s::int[])", "enterprise": "e.code = ANY(%(enterprise)s)"},
    "targets": {"kind": "t.kind = ANY(%(kind)s)"},
    "hazard-zones": {"kind": "t.kind = ANY(%(kind)s)"},
    "threat-zones": {"release": "r.id = ANY(%(release)s::int[])", "incident": "r.incident_id = ANY(%(incident)s::int[])",
                     "hours": "r.created_at > now() - make_interval(hours => %(hours)s)"},
}
OPEN_INCIDENT_STATUSES = ["reported", "dispatched", "in_progress", "contained"]
THREAT_ZONE_DEFAULT_HOURS = 24


def feature_collection(name: str, *, bbox: tuple[float, float, float, float] | None = None,
                       filters: dict | None = None) -> str:
    """The layer as RFC 7946 GeoJSON text, straight from PostgreSQL."""
    layer = LAYERS[name]
    params: dict = {"incident_url": _incident_url_prefix()}
    where = list(layer.where)
    if bbox is not None:
        params.update(zip(("minx", "miny", "maxx", "maxy"), bbox, strict=True))
        envelope = "ST_MakeEnvelope(%(minx)s, %(miny)s, %(maxx)s, %(maxy)s, 4326)"
        where.append(f"({layer.geometry}) && {envelope} AND ST_Intersects({layer.geometry}, {envelope})")
    for key, values in (filters or {}).items():
        where.append(FILTERS[name][key])
        params[key] = values
    sql = f"""
        SELECT json_build_object('type', 'FeatureCollection', 'features', COALESCE(json_agg(
            json_build_object('type', 'Feature', 'id', t.id,
                'geometry', ST_AsGeoJSON(ST_ForcePolygonCCW({layer.geometry}), 6, 0)::json,
                'properties', {layer.properties}) ORDER BY t.id), '[]'::json))::text
        FROM {layer.table}
        {"WHERE " + " AND ".join(where) if where else ""}
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


class GeoJSONRenderer(JSONRenderer):
    """Lets clients ask for application/geo+json (DRF answers 406 to media types it has no
    renderer for); error bodies stay plain JSON objects."""

    media_type = CONTENT_TYPE
    format = "geojson"


FEATURE_COLLECTION_SCHEMA = {
    "type": "object", "description": "RFC 7946 FeatureCollection",
    "properties": {"type": {"type": "string", "enum": ["FeatureCollection"]},
                   "features": {"type": "array", "items": {"type": "object", "properties": {
                       "type": {"type": "string", "enum": ["Feature"]}, "id": {"type": "integer"},
                       "geometry": {"type": "object", "nullable": True}, "properties": {"type": "object"}}}}},
    "required": ["type", "features"],
}


@extend_schema(
    summary="A map layer as GeoJSON",
    parameters=[
        OpenApiParameter("name", str, OpenApiParameter.PATH, enum=list(LAYERS)),
        OpenApiParameter("bbox", str, description="minlon,minlat,maxlon,maxlat"),
        *[OpenApiParameter(key, str, description="comma-separated values") for key in
          sorted({k for f in FILTERS.values() for k in f})],
    ],
    responses={200: OpenApiResponse(FEATURE_COLLECTION_SCHEMA), 400: OpenApiTypes.OBJECT},
)
@api_view(["GET"])
@renderer_classes([GeoJSONRenderer, JSONRenderer])
@permission_classes([role_permission(*CONSOLE_ROLES)])
def layer(request, name):
    if name not in LAYERS:
        raise DomainError(_("Unknown layer “%(name)s”.") % {"name": name}, status=404)
    bbox = parse_bbox(request.query_params.get("bbox"))
    filters = _filters(name, request.query_params)
    body = feature_collection(name, bbox=bbox, filters=filters)
    response = HttpResponse(body, content_type=CONTENT_TYPE)
    response["Cache-Control"] = "no-store"
    return response


def parse_bbox(raw: str | None) -> tuple[float, float, float, float] | None:
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


def _filters(name: str, query) -> dict:
    chosen = {}
    for key in FILTERS.get(name, {}):
        raw = query.get(key)
        if raw:
            values = [v for v in raw.split(",") if v]
            if key in ("grade", "release", "incident", "hours") and not all(v.isdigit() for v in values):
                raise DomainError(_("%(key)s takes whole numbers separated by commas.") % {"key": key})
            chosen[key] = int(values[0]) if key == "hours" else values
    # Defaults keep the operational picture current: open incidents, threat zones of the last day.
    if name == "incidents" and "status" not in chosen and query.get("status") != "all":
        chosen["status"] = OPEN_INCIDENT_STATUSES
    if name == "incidents" and chosen.get("status") == ["all"]:
        del chosen["status"]
    if name == "threat-zones" and not chosen:
        chosen["hours"] = THREAT_ZONE_DEFAULT_HOURS
    return chosen
