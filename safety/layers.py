"""Map layers of the safety ledger, as RFC 7946 GeoJSON built in one SQL statement each:

- `work-permits`: special-work permits in force now (GB 30871-2022);
- `hidden-dangers`: open hidden dangers that have a point (issue 25.9);
- `risk-points`: risk points by LEC/LS colour, `enterprise-colours`: enterprises (their site
  where drawn) by their risk colour, and `risk-areas`: the risk sources' footprints, each
  coloured by the worst risk point inside it, else by its GB 18218 grade (一级 red … 四级
  blue): together the four-colour map (风险四色图).

Console roles and park supervisors see every enterprise's; an enterprise officer their own
enterprise's only. Served at /api/v1/layers/<name>/ by safety.api_urls, mounted before the
shell's generic layers route (core.layers builds get no user, and these layers need one)."""

from django.db import connection
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.decorators import api_view, permission_classes, renderer_classes
from rest_framework.renderers import JSONRenderer

from core import layers as map_layers
from core.api import ErrorSerializer, role_permission
from core.params import parse_bbox
from core.roles import CONSOLE_ROLES, SAFETY_ROLES
from safety import rules, selectors
from safety.models import COLOUR_CHOICES, HiddenDanger, RiskPoint, WorkPermit

CONTENT_TYPE = "application/geo+json"

LAYERS = {
    "work-permits": {
        "table": "safety_workpermit t JOIN hazards_enterprise e ON e.id = t.enterprise_id",
        "geometry": "t.location::geometry",
        "enterprise": "t.enterprise_id",
        "where": ["t.state = %(in_progress)s", "t.valid_from <= %(at)s", "t.valid_to >= %(at)s"],
        "properties": """json_build_object('kind', t.kind, 'grade', t.grade, 'place', t.place,
            'enterprise', e.name, 'enterprise_code', e.code, 'valid_from', t.valid_from, 'valid_to', t.valid_to,
            'state', t.state)""",
    },
    "risk-points": {
        "table": "safety_riskpoint t JOIN hazards_enterprise e ON e.id = t.enterprise_id",
        "geometry": "t.location::geometry",
        "enterprise": "t.enterprise_id",
        "where": [],
        "properties": """json_build_object('name', t.name, 'method', t.method, 'score', t.score,
            'colour', t.colour, 'enterprise', e.name, 'enterprise_code', e.code)""",
    },
    "enterprise-colours": {
        "table": "hazards_enterprise t LEFT JOIN safety_enterprisecolour c ON c.enterprise_id = t.id",
        "geometry": "COALESCE(t.site::geometry, t.location::geometry)",
        "enterprise": "t.id",
        "where": ["t.in_chemical_park"],
        "properties": """json_build_object('code', t.code, 'name', t.name, 'colour', c.colour,
            'factors', COALESCE(c.factors, '[]'::jsonb))""",
    },
    # Issue 25.9: open hidden dangers where a point was given, major ones first in the legend.
    "hidden-dangers": {
        "table": "safety_hiddendanger t JOIN hazards_enterprise e ON e.id = t.enterprise_id",
        "geometry": "t.location::geometry",
        "enterprise": "t.enterprise_id",
        "where": ["t.location IS NOT NULL", "t.state <> %(closed)s"],
        "properties": """json_build_object('title', t.title, 'place', t.place, 'level', t.level, 'state', t.state,
            'deadline', t.deadline, 'overdue', t.deadline < %(at)s, 'enterprise', e.name, 'enterprise_code', e.code)""",
    },
    "risk-areas": {
        "table": "hazards_risksource t JOIN hazards_enterprise e ON e.id = t.enterprise_id",
        "geometry": "t.footprint",
        "enterprise": "t.enterprise_id",
        "where": ["t.footprint IS NOT NULL", "e.in_chemical_park"],
        "properties": """json_build_object('code', t.code, 'name', t.name, 'grade', t.grade,
            'enterprise', e.name, 'enterprise_code', e.code,
            'colour', COALESCE(
                (SELECT rp.colour FROM safety_riskpoint rp WHERE rp.enterprise_id = t.enterprise_id
                   AND ST_Intersects(rp.location::geometry, t.footprint)
                 ORDER BY array_position(ARRAY['red', 'orange', 'yellow', 'blue'], rp.colour::text) LIMIT 1),
                (ARRAY['red', 'orange', 'yellow', 'blue'])[t.grade], 'blue'))""",
    },
}


class GeoJSONRenderer(JSONRenderer):
    media_type = CONTENT_TYPE
    format = "geojson"


def feature_collection(name: str, *, enterprise_id: int | None, bbox=None) -> str:
    layer = LAYERS[name]
    # The clock of the request, not now(): PostgreSQL's now() is the start of the transaction.
    params = {"at": timezone.now(), "in_progress": rules.WP.IN_PROGRESS, "closed": rules.HD.CLOSED,
              "enterprise": enterprise_id}
    where = list(layer["where"])
    if enterprise_id is not None:
        where.append(f"{layer['enterprise']} = %(enterprise)s")
    if bbox:
        params.update(zip(("minx", "miny", "maxx", "maxy"), bbox, strict=True))
        where.append(f"({layer['geometry']}) && ST_MakeEnvelope(%(minx)s, %(miny)s, %(maxx)s, %(maxy)s, 4326)")
    sql = f"""
        SELECT json_build_object('type', 'FeatureCollection', 'features', COALESCE(json_agg(
            json_build_object('type', 'Feature', 'id', t.id,
                'geometry', ST_AsGeoJSON(ST_ForcePolygonCCW({layer['geometry']}), 6, 0)::json,
                'properties', {layer['properties']}) ORDER BY t.id), '[]'::json))::text
        FROM {layer['table']} {"WHERE " + " AND ".join(where) if where else ""}"""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _view(name: str, summary: str):
    @extend_schema(summary=summary, operation_id=f"v1_layers_{name.replace('-', '_')}",
                   parameters=[OpenApiParameter("bbox", str, description="minlon,minlat,maxlon,maxlat")],
                   responses={(200, CONTENT_TYPE): OpenApiTypes.OBJECT,
                              # Like the generic layers/{name}/ route: DRF answers 404 to a ?format= it has no renderer for.
                              404: OpenApiResponse(ErrorSerializer, description="Unknown ?format=")})
    @api_view(["GET"])
    @renderer_classes([GeoJSONRenderer, JSONRenderer])
    @permission_classes([role_permission(*(CONSOLE_ROLES | SAFETY_ROLES))])
    def view(request):
        user = request.user
        enterprise_id = None
        if not selectors.sees_whole_park(user):
            # An officer bound to no enterprise sees empty layers.
            enterprise_id = selectors.membership_enterprise_id(user) or -1
        body = feature_collection(name, enterprise_id=enterprise_id, bbox=parse_bbox(request.query_params.get("bbox")))
        response = HttpResponse(body, content_type=CONTENT_TYPE)
        response["Cache-Control"] = "no-store"
        return response

    view.__name__ = f"layer_{name.replace('-', '_')}"
    return view


work_permits_layer = _view("work-permits", "Layer work-permits: special-work permits in force now")
risk_points_layer = _view("risk-points", "Layer risk-points: risk points by colour (four-colour map)")
risk_areas_layer = _view("risk-areas", "Layer risk-areas: risk sources' footprints by risk colour (four-colour map)")
hidden_dangers_layer = _view("hidden-dangers", "Layer hidden-dangers: open hidden dangers with a point on the map")
enterprise_colours_layer = _view("enterprise-colours", "Layer enterprise-colours: park enterprises by risk colour")


# How the console map presents these layers (core.layers): served above by safety's own views,
# whose checks scope an enterprise officer to their enterprise.
# The four risk colours of the safety ledger (风险四色图); an enterprise not yet assessed is grey.
RISK_COLOURS = [("red", "#d7191c", _("Red: major risk")), ("orange", "#f07c00", _("Orange: high risk")),
                ("yellow", "#f5c400", _("Yellow: moderate risk")), ("blue", "#2b83ba", _("Blue: low risk"))]
_MAP_SCRIPT = "safety/map_layers.js"
_COLOUR_WORDS = {"risk_colour": COLOUR_CHOICES}

map_layers.present("work-permits", label=_("Special work permits in force"), order=110, script=_MAP_SCRIPT,
                   legend=map_layers.legend("", [("", "#6a3d9a", _("Permit in force"))]), refresh_on=["work_permit."],
                   words={"permit_kind": WorkPermit.Kind.choices, "permit_grade": WorkPermit.Grade.choices},
                   map3d=map_layers.View3D(order=50))
map_layers.present("hidden-dangers", label=_("Open hidden dangers"), order=115, script=_MAP_SCRIPT,
                   legend=map_layers.legend("level", [("major", "#b2182b", _("Major hidden danger")),
                                                      ("general", "#ef8a62", _("General hidden danger"))]),
                   refresh_on=["hidden_danger."],
                   words={"hd_level": HiddenDanger.Level.choices, "hd_state": HiddenDanger.State.choices})
map_layers.present("risk-points", label=_("Risk points"), order=120, script=_MAP_SCRIPT,
                   legend=map_layers.legend("colour", RISK_COLOURS), refresh_on=["enterprise.colour_changed"],
                   words={**_COLOUR_WORDS, "risk_method": RiskPoint.Method.choices})
map_layers.present("enterprise-colours", label=_("Enterprise risk colours"), order=130, script=_MAP_SCRIPT,
                   legend=map_layers.legend("colour", [*RISK_COLOURS, ("", "#8c8c8c", _("Not assessed"))]),
                   refresh_on=["enterprise.colour_changed"], words=_COLOUR_WORDS, map3d=map_layers.View3D(order=20))
