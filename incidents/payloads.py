"""The shapes of the events incidents emit (docs/contract.md, "The live stream").

One function per object, used by every service, so a client sees one shape per event type.
Locations are GeoJSON Points ([lon, lat]), as in the REST API.
"""

from typing import TypedDict

from core.geo import point
from core.schemas import GeoJSONPoint
from hazards.events import ChemicalRef
from incidents.models import Assignment, Incident
from resources.models import Resource


class RiskSourceRef(TypedDict):
    id: int
    code: str
    name: str


class IncidentRef(TypedDict):
    id: int
    number: str
    exercise: bool


class IncidentPayload(TypedDict):
    """incident.created, incident.updated."""

    id: int
    number: str
    title: str
    type: str
    type_name: str
    type_name_en: str
    severity: str
    status: str
    location: GeoJSONPoint
    address: str
    area: str | None
    reported_at: str
    exercise: bool
    risk_source: RiskSourceRef | None
    chemical: ChemicalRef | None


class AssignmentIncident(IncidentPayload):
    description: str


class ResourceRef(TypedDict):
    id: int
    code: str
    name: str
    kind: str


class ResourcePayload(TypedDict):
    """resource.updated."""

    id: int
    code: str
    name: str
    kind: str
    status: str
    status_since: str
    location: GeoJSONPoint
    incident: IncidentRef | None


class AssignmentPayload(TypedDict):
    """assignment.created, assignment.updated, assignment.escalated."""

    id: int
    status: str
    incident: AssignmentIncident
    resource: ResourceRef
    created_at: str
    acknowledged_at: str | None
    decline_reason: str
    decline_code: str
    escalations: int


class ZoneReach(TypedDict):
    level: str
    threshold_ppm: float
    distance_m: float


class ReleaseLinkedPayload(TypedDict):
    """release.linked."""

    incident: IncidentRef
    release: int
    exercise: bool
    chemical: ChemicalRef
    wind_from_deg: float
    wind_speed_ms: float
    approach_from_deg: float
    zones: list[ZoneReach]


class ReportPayload(TypedDict):
    """incident_report.filed."""

    id: int
    incident: int
    number: str
    kind: str
    channel: str
    filed_at: str | None
    exercise: bool


def incident_payload(incident: Incident) -> dict:
    return {
        "id": incident.pk,
        "number": incident.number,
        "title": incident.title,
        "type": incident.type.code,
        "type_name": incident.type.name_zh,
        "type_name_en": incident.type.name_en,
        "severity": incident.severity,
        "status": incident.status,
        "location": point(incident.location),
        "address": incident.address,
        "area": incident.area.name if incident.area_id else None,
        "reported_at": incident.reported_at.isoformat(),
        # Every client must be able to tell a drill from a real event (issue 14).
        "exercise": incident.exercise,
        # What leaks or burns, when known (an incident logged from a park alarm): null otherwise.
        "risk_source": ({"id": incident.risk_source_id, "code": incident.risk_source.code,
                         "name": incident.risk_source.name} if incident.risk_source_id else None),
        "chemical": ({"cas": incident.chemical.cas, "name": incident.chemical.name,
                      "name_en": incident.chemical.name_en} if incident.chemical_id else None),
    }


def resource_payload(resource: Resource, incident: Incident | None = None) -> dict:
    return {
        "id": resource.pk,
        "code": resource.code,
        "name": resource.name,
        "kind": resource.kind,
        "status": resource.status,
        "status_since": resource.status_since.isoformat(),
        "location": point(resource.location),
        "incident": {"id": incident.pk, "number": incident.number, "exercise": incident.exercise} if incident else None,
    }


def assignment_payload(assignment: Assignment) -> dict:
    incident, resource = assignment.incident, assignment.resource
    return {
        "id": assignment.pk,
        "status": assignment.status,
        # The whole incident as in incident.* events, plus what a crew needs to read on the way.
        "incident": {**incident_payload(incident), "description": incident.description},
        "resource": {"id": resource.pk, "code": resource.code, "name": resource.name, "kind": resource.kind},
        "created_at": assignment.created_at.isoformat(),
        "acknowledged_at": assignment.acknowledged_at.isoformat() if assignment.acknowledged_at else None,
        "decline_reason": assignment.decline_reason,
        "decline_code": assignment.decline_code,
        "escalations": assignment.escalations,
    }


def release_linked_payload(incident: Incident, release, unit_ids=()) -> dict:
    """`release.linked`: a toxic release was modelled for an incident. What a crew on the way
    needs at once: the wind, the way in from upwind, how far each zone reaches."""
    return {
        "incident": {"id": incident.pk, "number": incident.number, "exercise": incident.exercise},
        "release": release.pk,
        "exercise": release.exercise,
        "chemical": {"name": release.chemical.name, "name_en": release.chemical.name_en, "cas": release.chemical.cas},
        "wind_from_deg": release.wind_from_deg,
        "wind_speed_ms": release.wind_speed_ms,
        "approach_from_deg": release.wind_from_deg,
        "zones": [{"level": z.level, "threshold_ppm": z.threshold_ppm, "distance_m": round(z.distance_m, 1)}
                  for z in release.zones.order_by("-threshold_ppm")],
    }


def report_payload(report) -> dict:
    return {
        "id": report.pk,
        "incident": report.incident_id,
        "number": report.incident.number,
        "kind": report.kind,
        "channel": report.channel,
        "filed_at": report.filed_at.isoformat(),
        "exercise": report.incident.exercise,
    }
