"""The park's structures at their heights (core.layers), for the 3D view (三维一张图)."""

from django.utils.translation import gettext_lazy as _

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


STRUCTURE_KINDS = [("tank", "#c9ced6", _("Tank")), ("tank_farm", "#8f99a8", _("Tank farm bund")),
                   ("process_unit", "#b89b72", _("Process unit")), ("building", "#e4dccb", _("Building")),
                   ("pipe_rack", "#7a8fa6", _("Pipe rack"))]

layers.register("structures", build=structures, roles=CONSOLE_ROLES | {SAFETY_SUPERVISOR},
                params={"kind": "comma-separated structure kinds"},
                doc="Buildings, tanks, tank farm bunds, process units and pipe racks with their height and base "
                    "in metres (from import_gis --into structures), for the 3D view.",
                # Only on the 3D view: the 2D map does not offer it.
                label=_("Buildings, tanks and pipe racks"), map2d=False, legend=layers.legend("kind", STRUCTURE_KINDS),
                words={"structure_kind": [(value, label) for value, _colour, label in STRUCTURE_KINDS]},
                map3d=layers.View3D(order=10))
