"""The map layers of resources (core.layers): units and stocks, shelters, areas."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import layers, params
from core.roles import CONSOLE_ROLES
from resources.models import Resource

# A unit stands where it last reported while that is fresh (POSITION_FRESH_S), else where it
# was put (its depot): the map, the recommendations and the ETAs agree on one place.
PLACE = "(CASE WHEN t.position_at > %(_fresh)s THEN t.position ELSE t.location END)::geometry"


def resources(*, query, bbox) -> str:
    statuses = params.parse_choice_list(query.get("status"), name="status", choices=Resource.Status.values)
    kinds = params.parse_choice_list(query.get("kind"), name="kind", choices=Resource.Kind.values)
    where = ["t.kind <> 'shelter'"]
    values = {"_fresh": timezone.now() - timedelta(seconds=settings.POSITION_FRESH_S)}
    if statuses:
        where.append("t.status = ANY(%(status)s)")
        values["status"] = statuses
    if kinds:
        where.append("t.kind = ANY(%(kind)s)")
        values["kind"] = kinds
    return layers.sql_feature_collection(
        table="resources_resource t JOIN resources_agency a ON a.id = t.agency_id",
        geometry=PLACE,
        properties="""json_build_object('code', t.code, 'name', t.name, 'kind', t.kind, 'status', t.status,
            'agency', a.name, 'phone', t.phone, 'live', COALESCE(t.position_at > %(_fresh)s, false),
            'position_at', t.position_at)""",
        where=where, params=values, bbox=bbox)


def shelters(*, query, bbox) -> str:
    return layers.sql_feature_collection(
        table="resources_resource t",
        geometry="t.location::geometry",
        properties="""json_build_object('code', t.code, 'name', t.name, 'status', t.status,
            'capacity', t.capacity, 'occupancy', COALESCE(t.occupancy, 0),
            'free', t.capacity - COALESCE(t.occupancy, 0))""",
        where=["t.kind = 'shelter'"], bbox=bbox)


def areas(*, query, bbox) -> str:
    return layers.sql_feature_collection(
        table="resources_area t",
        geometry="t.boundary",
        properties="""json_build_object('code', t.code, 'name', t.name, 'name_en', t.name_en, 'kind', t.kind,
            'population', t.population)""",
        bbox=bbox)


RESOURCE_STATUS = [("available", "#1a9850", _("Available")), ("dispatched", "#f07c00", _("Dispatched")),
                   ("en_route", "#2b83ba", _("En route")), ("on_scene", "#d7191c", _("On scene")),
                   ("out_of_service", "#8c8c8c", _("Out of service"))]
MAP_SCRIPT = "resources/map_layers.js"
WORDS = {"resource_kind": Resource.Kind.choices, "resource_status": Resource.Status.choices}

layers.register("resources", build=resources, roles=CONSOLE_ROLES, params={
    "status": "comma-separated unit statuses", "kind": "comma-separated kinds"}, doc="Units and stocks.",
    label=_("Resources"), legend=layers.legend("status", RESOURCE_STATUS), shown=True, order=20,
    refresh_on=["resource."], script=MAP_SCRIPT, words=WORDS, map3d=layers.View3D(order=80))
layers.register("shelters", build=shelters, roles=CONSOLE_ROLES, doc="Shelters with capacity and free places.",
                label=_("Shelters"), order=50, refresh_on=["resource."], script=MAP_SCRIPT, words=WORDS,
                legend=layers.legend("", [("", "#1a9850", _("Free places")), ("", "#8c8c8c", _("Full"))]))
layers.register("areas", build=areas, roles=CONSOLE_ROLES, doc="The district's towns and communities.",
                label=_("Towns and sub-districts"), order=70, script=MAP_SCRIPT,
                legend=layers.legend("", [("", "#13233a", _("Boundary"))]))
