"""The map layers of resources (core.layers): units and stocks, shelters, areas."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

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


layers.register("resources", build=resources, roles=CONSOLE_ROLES, params={
    "status": "comma-separated unit statuses", "kind": "comma-separated kinds"}, doc="Units and stocks.")
layers.register("shelters", build=shelters, roles=CONSOLE_ROLES, doc="Shelters with capacity and free places.")
layers.register("areas", build=areas, roles=CONSOLE_ROLES, doc="The district's towns and communities.")
