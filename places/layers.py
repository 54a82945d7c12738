"""The park's structures at their heights (core.layers), for the 3D view (三维一张图)."""

from core import layers, params
from core.roles import CONSOLE_ROLES, SAFETY_SUPERVISOR
from places.models import Structure


def structures(*, query, bbox) -> str:
    kinds = params.parse_choice_list(query.get("kind"), name="kind", choices=Structure.Kind.values)
    return layers.sql_feature_collection(
        table="places_structure t",
        geometry="t.footprint",
        properties="""json_build_object('kind', t.kind, 'name', t.name,
            'height', round(t.height_m::numeric, 1), 'base', round(t.base_m::numeric, 1))""",
        where=["t.kind = ANY(%(kind)s)"] if kinds else [], params={"kind": kinds}, bbox=bbox)


layers.register("structures", build=structures, roles=CONSOLE_ROLES | {SAFETY_SUPERVISOR},
                params={"kind": "comma-separated structure kinds"},
                doc="Buildings, tanks, tank farm bunds, process units and pipe racks with their height and base "
                    "in metres (from import_gis --into structures), for the 3D view.")
