"""The `work-permits` map layer: special-work permits in force now (GB 30871-2022), as RFC 7946
GeoJSON built in one SQL statement. Console roles and supervisors see every enterprise's; an
enterprise officer their own enterprise's only.

Served at /api/v1/layers/work-permits/ (safety.api_urls, mounted before the shell's generic
layers route)."""

from django.db import connection
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import api_view, permission_classes, renderer_classes
from rest_framework.renderers import JSONRenderer

from core.api import role_permission
from core.errors import DomainError
from core.roles import CONSOLE_ROLES, SAFETY_ROLES
from safety import rules, selectors

CONTENT_TYPE = "application/geo+json"

SQL = """
SELECT json_build_object('type', 'FeatureCollection', 'features', COALESCE(json_agg(
    json_build_object('type', 'Feature', 'id', p.id,
        'geometry', ST_AsGeoJSON(p.location::geometry, 6, 0)::json,
        'properties', json_build_object('kind', p.kind, 'grade', p.grade, 'place', p.place,
            'enterprise', e.name, 'enterprise_code', e.code, 'valid_from', p.valid_from, 'valid_to', p.valid_to,
            'state', p.state)) ORDER BY p.id), '[]'::json))::text
FROM safety_workpermit p JOIN hazards_enterprise e ON e.id = p.enterprise_id
WHERE p.state = %(state)s AND p.valid_from <= %(at)s AND p.valid_to >= %(at)s
  AND (%(enterprise)s::bigint IS NULL OR p.enterprise_id = %(enterprise)s::bigint)
  AND (%(minx)s::float8 IS NULL OR p.location::geometry && ST_MakeEnvelope(%(minx)s, %(miny)s, %(maxx)s, %(maxy)s, 4326))
"""


class GeoJSONRenderer(JSONRenderer):
    media_type = CONTENT_TYPE
    format = "geojson"


def feature_collection(*, enterprise_id: int | None, bbox=None) -> str:
    # The clock of the request, not now(): PostgreSQL's now() is the start of the transaction.
    params = {"at": timezone.now(), "state": rules.WP.IN_PROGRESS, "enterprise": enterprise_id, "minx": None, "miny": None,
              "maxx": None, "maxy": None}
    if bbox:
        params.update(zip(("minx", "miny", "maxx", "maxy"), bbox, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(SQL, params)
        return cursor.fetchone()[0]


def parse_bbox(raw):
    if not raw:
        return None
    try:
        minx, miny, maxx, maxy = (float(v) for v in raw.split(","))
    except ValueError:
        minx = None
    if minx is None or not (-180 <= minx < maxx <= 180 and -90 <= miny < maxy <= 90):
        raise DomainError("bbox must be minlon,minlat,maxlon,maxlat in degrees, west before east and south before north.")
    return minx, miny, maxx, maxy


@extend_schema(summary="Layer work-permits: special-work permits in force now",
               parameters=[OpenApiParameter("bbox", str, description="minlon,minlat,maxlon,maxlat")],
               responses={(200, CONTENT_TYPE): OpenApiTypes.OBJECT})
@api_view(["GET"])
@renderer_classes([GeoJSONRenderer, JSONRenderer])
@permission_classes([role_permission(*(CONSOLE_ROLES | SAFETY_ROLES))])
def work_permits_layer(request):
    user = request.user
    enterprise_id = None if selectors.sees_whole_park(user) else selectors.membership_enterprise_id(user)
    if enterprise_id is None and not selectors.sees_whole_park(user):
        enterprise_id = -1  # an officer bound to no enterprise sees an empty layer
    body = feature_collection(enterprise_id=enterprise_id, bbox=parse_bbox(request.query_params.get("bbox")))
    response = HttpResponse(body, content_type=CONTENT_TYPE)
    response["Cache-Control"] = "no-store"
    return response
