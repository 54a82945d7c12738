"""The incidents map layer (core.layers): open incidents unless asked for others."""

from django.urls import reverse

from core import layers, params
from core.roles import CONSOLE_ROLES
from incidents.models import Incident, Severity

ALL = "all"


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


layers.register("incidents", build=incidents, roles=CONSOLE_ROLES, params={
    "status": "comma-separated statuses, or all (default: the open ones)",
    "severity": "comma-separated severities (I, II, III, IV)",
}, doc="Incidents, open ones by default.")
