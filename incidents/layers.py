"""The map layers of incidents (core.layers): open incidents unless asked for others, and
the threat zones of modelled releases with the incident each was modelled for (the link is
incidents.IncidentRelease, so this layer is served here rather than by hazards)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core import layers, params
from core.roles import CONSOLE_ROLES
from incidents.models import Incident, Severity

ALL = "all"
THREAT_ZONE_DEFAULT_HOURS = 24
THREAT_ZONE_MAX_HOURS = 24 * 366 * 10


def incidents(*, query, bbox) -> str:
    statuses = params.parse_choice_list(query.get("status"), name="status", choices=[*Incident.Status.values, ALL])
    severities = params.parse_choice_list(query.get("severity"), name="severity", choices=Severity.values)
    where, values = [], {"incident_url": reverse("incidents:detail", args=[0])[:-2]}
    # The operational picture by default: open incidents only; `status=all` shows every one.
    if statuses is None:
        statuses = [str(s) for s in Incident.OPEN_STATUSES]
    if ALL not in statuses:
        where.append("t.status = ANY(%(status)s)")
        values["status"] = statuses
    if severities:
        where.append("t.severity = ANY(%(severity)s)")
        values["severity"] = severities
    return layers.sql_feature_collection(
        table="incidents_incident t JOIN incidents_incidenttype it ON it.id = t.type_id",
        geometry="t.location::geometry",
        properties="""json_build_object('number', t.number, 'title', t.title, 'type', it.code,
            'type_name', it.name_zh, 'type_name_en', it.name_en, 'severity', t.severity,
            'status', t.status, 'address', t.address, 'url', %(incident_url)s || t.id || '/',
            'exercise', t.exercise)""",
        where=where, params=values, bbox=bbox)


SEVERITY = [("I", "#d7191c", _("Ⅰ Extremely serious")), ("II", "#f07c00", _("Ⅱ Serious")),
            ("III", "#f5c400", _("Ⅲ Major")), ("IV", "#2b83ba", _("Ⅳ General"))]
THREAT_LEVELS = [("3", "#d7191c", _("AEGL-3 / ERPG-3: life-threatening")),
                 ("2", "#f07c00", _("AEGL-2 / ERPG-2: serious, lasting effects")),
                 ("1", "#f5c400", _("AEGL-1 / ERPG-1: notable discomfort"))]
MAP_SCRIPT = "incidents/map_layers.js"

layers.register("incidents", build=incidents, roles=CONSOLE_ROLES, params={
    "status": "comma-separated statuses, or all (default: the open ones)",
    "severity": "comma-separated severities (I, II, III, IV)",
}, doc="Incidents, open ones by default.",
    label=_("Incidents"), legend=layers.legend("severity", SEVERITY), shown=True, order=10,
    refresh_on=["incident."], script=MAP_SCRIPT, map3d=layers.View3D(order=70),
    words={"severity": [(value, label) for value, _colour, label in SEVERITY],
           "incident_status": Incident.Status.choices})


def threat_zones(*, query, bbox) -> str:
    releases = params.parse_int_list(query.get("release"), name="release")
    incidents = params.parse_int_list(query.get("incident"), name="incident")
    hours = params.parse_int(query.get("hours"), name="hours", minimum=1, maximum=THREAT_ZONE_MAX_HOURS)
    # The operational picture by default: threat zones of the last day.
    if releases is None and incidents is None and hours is None:
        hours = THREAT_ZONE_DEFAULT_HOURS
    where, values = [], {"release": releases, "incident": incidents, "hours": hours}
    if releases:
        where.append("r.id = ANY(%(release)s::int[])")
    if incidents:
        where.append("l.incident_id = ANY(%(incident)s::bigint[])")
    if hours:
        where.append("r.created_at > now() - make_interval(hours => %(hours)s)")
    return layers.sql_feature_collection(
        table="""hazards_threatzone t JOIN hazards_release r ON r.id = t.release_id
            JOIN hazards_chemical c ON c.id = r.chemical_id
            LEFT JOIN incidents_incidentrelease l ON l.release_id = r.id""",
        geometry="t.boundary",
        properties="""json_build_object('release', r.id, 'incident', l.incident_id, 'level', t.level,
            'threshold_ppm', t.threshold_ppm, 'distance_m', round(t.distance_m::numeric, 1),
            'chemical', c.name, 'chemical_en', c.name_en, 'cas', c.cas, 'created_at', r.created_at,
            'exercise', r.exercise)""",
        where=where, params=values, bbox=bbox)


layers.register("threat-zones", build=threat_zones, roles=CONSOLE_ROLES, params={
    "release": "comma-separated release ids", "incident": "comma-separated incident ids",
    "hours": "releases modelled in the last n hours (default 24 when no other filter is given)"},
    doc="Threat zones of modelled toxic releases.",
    label=_("Threat zones"), legend=layers.legend("level", THREAT_LEVELS), shown=True, order=80,
    refresh_on=["zone."], script=MAP_SCRIPT,
    map3d=layers.View3D(order=60, label=_("Threat zones and plume")))
