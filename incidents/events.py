"""The stream events of incidents, declared once (core.events). Payload shapes: incidents.payloads."""

import stream
from core import events
from incidents.payloads import (
    AssignmentPayload,
    IncidentPayload,
    ReleaseLinkedPayload,
    ReportPayload,
    ResourcePayload,
    assignment_payload,
    incident_payload,
    release_linked_payload,
    report_payload,
    resource_payload,
)


def _console_and_duty(_subject) -> list[str]:
    # Officers on duty get their own audience so rosters can reach people beyond the console.
    return [stream.CONSOLE, stream.DUTY]


def _console_and_unit(assignment) -> list[str]:
    return [stream.CONSOLE, stream.audience_unit(assignment.resource_id)]


INCIDENT_CREATED = events.register(
    "incident.created", audiences=_console_and_duty, payload=incident_payload, schema=IncidentPayload,
    doc="An incident was logged.")
INCIDENT_UPDATED = events.register(
    "incident.updated", audiences=_console_and_duty, payload=incident_payload, schema=IncidentPayload,
    doc="An incident's status, severity, details or units changed.")
ASSIGNMENT_CREATED = events.register(
    "assignment.created", audiences=_console_and_unit, payload=assignment_payload, schema=AssignmentPayload,
    doc="A unit was sent to an incident; the unit's responders hear it.")
ASSIGNMENT_UPDATED = events.register(
    "assignment.updated", audiences=_console_and_unit, payload=assignment_payload, schema=AssignmentPayload,
    doc="An assignment was acknowledged, declined, moved on or cleared.")
ASSIGNMENT_ESCALATED = events.register(
    "assignment.escalated",
    audiences=lambda assignment: [stream.CONSOLE, stream.DUTY, stream.audience_unit(assignment.resource_id)],
    payload=assignment_payload, schema=AssignmentPayload,
    doc="A unit has not acknowledged in time: the console, officers on duty and the unit hear it again.")
RESOURCE_UPDATED = events.register(
    "resource.updated", audiences=lambda resource, incident=None: [stream.CONSOLE], payload=resource_payload, schema=ResourcePayload,
    doc="A unit's status changed (with the incident it is on, if any).")
RELEASE_LINKED = events.register(
    "release.linked",
    audiences=lambda incident, release, unit_ids=(): [stream.CONSOLE, stream.DUTY,
                                                      *(stream.audience_unit(u) for u in unit_ids)],
    payload=release_linked_payload, schema=ReleaseLinkedPayload,
    doc="A toxic release was modelled for an incident: the console, the officers on duty and the incident's "
        "units (wind, approach from upwind, zone reach) hear it.")
INCIDENT_REPORT_FILED = events.register(
    "incident_report.filed", audiences=_console_and_duty, payload=report_payload, schema=ReportPayload,
    doc="A first, follow-up or final report on an incident was filed.")
