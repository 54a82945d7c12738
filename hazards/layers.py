"""The map layers of the chemical park (core.layers): risk sources, targets, hazard zones.
Threat zones of modelled releases carry the incident they were modelled for, so incidents
serves that layer (incidents.layers)."""

from django.utils.translation import gettext_lazy as _

from core import layers, params
from core.roles import CONSOLE_ROLES
from hazards.models import HazardZone, SensitiveTarget


def risk_sources(*, query, bbox) -> str:
    grades = params.parse_int_list(query.get("grade"), name="grade", minimum=1, maximum=4)
    enterprises = params.parse_text_list(query.get("enterprise"), name="enterprise")
    where, values = [], {}
    if grades:
        where.append("t.grade = ANY(%(grade)s::int[])")
        values["grade"] = grades
    if enterprises:
        where.append("e.code = ANY(%(enterprise)s)")
        values["enterprise"] = enterprises
    return layers.sql_feature_collection(
        table="hazards_risksource t JOIN hazards_enterprise e ON e.id = t.enterprise_id",
        geometry="COALESCE(t.footprint, t.location::geometry)",
        properties="""json_build_object('code', t.code, 'name', t.name, 'name_en', t.name_en,
            'installation', t.installation, 'enterprise', e.name, 'enterprise_en', e.name_en,
            'grade', t.grade, 'r_value', round(t.r_value::numeric, 2), 'is_major', t.is_major,
            'people_within_500m', t.people_within_500m)""",
        where=where, params=values, bbox=bbox)


def targets(*, query, bbox) -> str:
    kinds = params.parse_choice_list(query.get("kind"), name="kind", choices=SensitiveTarget.Kind.values)
    return layers.sql_feature_collection(
        table="hazards_sensitivetarget t",
        geometry="t.location::geometry",
        properties="""json_build_object('code', t.code, 'name', t.name, 'name_en', t.name_en, 'kind', t.kind,
            'population', t.population)""",
        where=["t.kind = ANY(%(kind)s)"] if kinds else [], params={"kind": kinds}, bbox=bbox)


def hazard_zones(*, query, bbox) -> str:
    kinds = params.parse_choice_list(query.get("kind"), name="kind", choices=HazardZone.Kind.values)
    return layers.sql_feature_collection(
        table="hazards_hazardzone t",
        geometry="t.boundary",
        properties="""json_build_object('code', t.code, 'name', t.name, 'name_en', t.name_en, 'kind', t.kind,
            'level', t.level, 'description', t.description)""",
        where=["t.kind = ANY(%(kind)s)"] if kinds else [], params={"kind": kinds}, bbox=bbox)


GRADES = [("1", "#b2182b", _("Grade 1 (一级)")), ("2", "#ef8a62", _("Grade 2 (二级)")),
          ("3", "#f6d55c", _("Grade 3 (三级)")), ("4", "#67a9cf", _("Grade 4 (四级)")),
          ("", "#999999", _("Not a major hazard source"))]
TARGET_KINDS = [("school", "#7b3294", _("School")), ("hospital", "#e7298a", _("Hospital")),
                ("care_home", "#c2a5cf", _("Care home")), ("residential", "#a6611a", _("Residential area")),
                ("other", "#666666", _("Other"))]
ZONE_KINDS = [("flood", "#4393c3", _("Flood")), ("storm_surge", "#2166ac", _("Storm surge")),
              ("landslide", "#8c510a", _("Landslide")), ("chemical", "#762a83", _("Chemical")),
              ("other", "#999999", _("Other"))]
MAP_SCRIPT = "hazards/map_layers.js"

layers.register("risk-sources", build=risk_sources, roles=CONSOLE_ROLES, params={
    "grade": "comma-separated grades 1–4", "enterprise": "comma-separated enterprise codes"},
    doc="Major hazard installations (GB 18218) with their grade.",
    label=_("Risk sources"), legend=layers.legend("grade", GRADES), shown=True, order=30, script=MAP_SCRIPT,
    map3d=layers.View3D(order=30))
layers.register("targets", build=targets, roles=CONSOLE_ROLES, params={"kind": "comma-separated kinds"},
                doc="Sensitive targets: schools, hospitals, homes.",
                label=_("Sensitive targets"), legend=layers.legend("kind", TARGET_KINDS), order=40, script=MAP_SCRIPT,
                words={"target_kind": SensitiveTarget.Kind.choices})
layers.register("hazard-zones", build=hazard_zones, roles=CONSOLE_ROLES, params={"kind": "comma-separated kinds"},
                doc="Drawn hazard zones.",
                label=_("Hazard zones"), legend=layers.legend("kind", ZONE_KINDS), order=60, script=MAP_SCRIPT,
                words={"zone_kind": HazardZone.Kind.choices})
