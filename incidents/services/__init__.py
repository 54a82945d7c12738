"""Every write to incidents and assignments, one transaction per call, events emitted last.

One topic per module: lifecycle (logging, status, severity, notes), dispatch (and dispatch_sql,
its hand-written statement), responders (acknowledge, decline, status steps, escalation),
releases (toxic releases modelled for an incident), reporting (初报 / 续报 / 终报 to the
authorities), timeline (the timeline's and the incident
row lock's one writer). Callers import from here: `from incidents import services`.

Lock order (STYLE.md): resource rows (by id) → assignment → incident. Every function that
takes row locks says so; keeping one order is what prevents deadlocks between two
dispatchers and a responder acting at the same moment.
"""

from core.errors import DomainError  # callers catch services.DomainError, as before the split
from incidents.services.base import (
    ASSIGNMENT_STEPS,
    RESOURCE_STATUS_FOR,
    STATUS_TRANSITIONS,
    district_outside_by_m,
    parse_location,
)
from incidents.services.dispatch import (
    assignment_create,
)
from incidents.services.lifecycle import (
    incident_add_note,
    incident_change_severity,
    incident_change_status,
    incident_log,
    incident_record_call,
    incident_record_casualties,
)
from incidents.services.releases import (
    incident_release_model,
)
from incidents.services.reporting import (
    incident_report_file,
)
from incidents.services.responders import (
    assignment_acknowledge,
    assignment_decline,
    assignment_escalate,
    assignment_set_status,
    decline_code_for,
    escalate_unacknowledged,
    exercise_units_release,
    resource_return_to_service,
)
from incidents.services.timeline import (
    incident_lock,
    timeline_add,
)

__all__ = [
    "DomainError",
    "ASSIGNMENT_STEPS",
    "RESOURCE_STATUS_FOR",
    "STATUS_TRANSITIONS",
    "assignment_acknowledge",
    "assignment_create",
    "assignment_decline",
    "assignment_escalate",
    "assignment_set_status",
    "decline_code_for",
    "incident_report_file",
    "district_outside_by_m",
    "escalate_unacknowledged",
    "exercise_units_release",
    "incident_add_note",
    "incident_change_severity",
    "incident_change_status",
    "incident_lock",
    "incident_log",
    "incident_record_call",
    "incident_record_casualties",
    "incident_release_model",
    "parse_location",
    "resource_return_to_service",
    "timeline_add",
]
