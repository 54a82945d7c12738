"""A responder's steps on an assignment (acknowledge, decline, en route, on scene, cleared),
a unit back in service, exercise units released, and the escalation of an unacknowledged one.

Lock order: the resource, then the assignment, then the incident."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from procrastinate.contrib.django import app as jobs

import stream
from core.errors import DomainError
from core.retry import TRANSIENT_DATABASE_ERRORS
from core.roles import CONSOLE_ROLES, DISPATCH_ROLES, INTAKE_ROLES, has_role
from incidents import events
from incidents.models import (
    BREAKDOWN_WORDS,
    DECLINE_OUT_OF_SERVICE,
    Assignment,
    DeclineReason,
    Incident,
)
from incidents.services.base import (
    ASSIGNMENT_STEPS,
    RESOURCE_STATUS_FOR,
    _emit_assignment,
    _emit_incident,
    _emit_resource,
    _require,
)
from incidents.services.timeline import _locked_incident, _timeline
from notices import services as notice_services
from resources.models import Resource


def _locked_assignment(assignment_id, actor) -> tuple[Assignment, Resource]:
    """Lock an assignment's resource, then the assignment; check the actor may act on it."""
    try:
        resource_id = Assignment.objects.values_list("resource_id", flat=True).get(pk=assignment_id)
    except (Assignment.DoesNotExist, ValueError, TypeError):
        raise DomainError(_("No assignment %(id)s.") % {"id": assignment_id}, status=404) from None
    resource = Resource.objects.select_for_update().get(pk=resource_id)
    assignment = (Assignment.objects.select_for_update(of=("self",))
                  .select_related("incident__type", "incident__area", "resource").get(pk=assignment_id))
    if not _may_act(actor, assignment):
        if not has_role(actor, CONSOLE_ROLES):
            # A stranger learns nothing: the same answer as for an assignment that does not
            # exist, as GET /api/v1/assignments/<id>/ gives them (issue 16, point 12).
            raise DomainError(_("No assignment %(id)s.") % {"id": assignment_id}, status=404)
        raise DomainError(_("This assignment belongs to another unit."), status=403)
    return assignment, resource


def _may_act(actor, assignment) -> bool:
    if has_role(actor, INTAKE_ROLES | DISPATCH_ROLES):
        return True
    responder = getattr(actor, "responder", None)
    return responder is not None and responder.resource_id == assignment.resource_id


@transaction.atomic
def assignment_acknowledge(*, actor, assignment_id: int) -> Assignment:
    assignment, _resource = _locked_assignment(assignment_id, actor)
    if assignment.status != Assignment.Status.PENDING:
        if assignment.is_active and assignment.acknowledged_at:
            return assignment  # a double tap on a phone: already acknowledged, nothing to do
        # Declined, cleared or escalated away: acknowledging it now would tell the console a
        # unit is coming that is not (issue 16, point 8). The row lock above orders racing taps.
        raise DomainError(_("This assignment is %(s)s and can no longer be acknowledged.") % {
            "s": assignment.get_status_display()}, status=409)
    assignment.status = Assignment.Status.ACKNOWLEDGED
    assignment.acknowledged_at, assignment.acknowledged_by = timezone.now(), actor
    assignment.save(update_fields=["status", "acknowledged_at", "acknowledged_by"])
    _timeline(assignment.incident, actor, "acknowledged",
              _("%(unit)s acknowledged.") % {"unit": assignment.resource.name}, assignment=assignment.pk)
    _emit_assignment(assignment, "assignment.updated")
    return assignment


def decline_code_for(reason: str, code: str | None = None) -> str:
    """The kind of a decline: the one chosen, else read from the words (a breakdown named in the
    text, as "车辆故障", is a vehicle fault), else other."""
    if code:
        if code not in DeclineReason.values:
            raise DomainError(_("Unknown kind of reason “%(c)s”: choose one of %(all)s.") % {
                "c": code, "all": ", ".join(DeclineReason.values)})
        return code
    lowered = (reason or "").lower()
    for choice in DeclineReason:
        if lowered.strip() in (str(choice.label).lower(), choice.value):
            return choice.value
    if any(word in lowered for word in BREAKDOWN_WORDS):
        return DeclineReason.VEHICLE_FAULT
    return DeclineReason.OTHER


@transaction.atomic
def assignment_decline(*, actor, assignment_id: int, reason: str, code: str | None = None) -> Assignment:
    """A unit says it cannot go. Its next status follows the reason (DECLINE_OUT_OF_SERVICE: a
    broken vehicle is out of service, never 可用); an incident left with no active unit goes back
    to reported, so the console sees it needs units again. Lock order: resource → assignment →
    incident."""
    reason = (reason or "").strip()
    if not reason and code in DeclineReason.values:
        reason = str(DeclineReason(code).label)
    if not reason:
        raise DomainError(_("Say why the assignment is declined."))
    code = decline_code_for(reason, code)
    assignment, resource = _locked_assignment(assignment_id, actor)
    if assignment.status not in (Assignment.Status.PENDING, Assignment.Status.ACKNOWLEDGED):
        raise DomainError(_("This assignment is %(s)s and can no longer be declined.") % {
            "s": assignment.get_status_display()}, status=409)
    now = timezone.now()
    assignment.status, assignment.declined_at, assignment.decline_reason = Assignment.Status.DECLINED, now, reason[:300]
    assignment.decline_code = code
    assignment.save(update_fields=["status", "declined_at", "decline_reason", "decline_code"])
    out = code in DECLINE_OUT_OF_SERVICE
    resource.status = Resource.Status.OUT_OF_SERVICE if out else Resource.Status.AVAILABLE
    resource.status_since = now
    resource.save(update_fields=["status", "status_since"])
    incident = assignment.incident
    text = _("%(unit)s declined: %(reason)s") % {"unit": resource.name, "reason": reason}
    if out:
        text += " " + _("The unit is out of service until it is put back in service.")
    _timeline(incident, actor, "declined", text, assignment=assignment.pk, code=code,
              unit_status=resource.status)
    if (incident.status == Incident.Status.DISPATCHED
            and not incident.assignments.filter(status__in=Assignment.ACTIVE_STATUSES).exists()):
        incident = _locked_incident(incident.pk)
        incident.status = Incident.Status.REPORTED
        incident.save(update_fields=["status"])
        _timeline(incident, None, "status", _("No unit is assigned any more: the incident needs units again "
                                              "(status: %(s)s).") % {"s": incident.get_status_display()},
                  status=incident.status)
        assignment.incident = incident
        _emit_incident(incident, "incident.updated")
    _emit_assignment(assignment, "assignment.updated")
    _emit_resource(resource, None)
    return assignment


@transaction.atomic
def resource_return_to_service(*, actor, resource_id: int, note: str = "") -> Resource:
    """Put an out-of-service unit back in service (repaired, crewed): dispatchers, or the unit's
    own responders. The unit's status stays written by this module alone (docs/architecture.md)."""
    try:
        resource = Resource.objects.select_for_update().get(pk=resource_id)
    except (Resource.DoesNotExist, ValueError, TypeError):
        raise DomainError(_("No unit %(id)s.") % {"id": resource_id}, status=404) from None
    responder = getattr(actor, "responder", None)
    own = responder is not None and responder.resource_id == resource.pk
    if not own and not has_role(actor, DISPATCH_ROLES):
        raise DomainError(_("Only dispatchers and the unit's own responders may put it back in service."),
                          status=403)
    if resource.status != Resource.Status.OUT_OF_SERVICE:
        raise DomainError(_("%(unit)s is %(s)s, not out of service.") % {
            "unit": resource.name, "s": resource.get_status_display()}, status=409)
    resource.status, resource.status_since = Resource.Status.AVAILABLE, timezone.now()
    resource.save(update_fields=["status", "status_since"])
    _emit_resource(resource, None)
    return resource


@transaction.atomic
def assignment_set_status(*, actor, assignment_id: int, status: str) -> Assignment:
    if status not in ASSIGNMENT_STEPS:
        raise DomainError(_("Status must be one of en_route, on_scene, cleared (got “%(s)s”).") % {"s": status})
    assignment, resource = _locked_assignment(assignment_id, actor)
    if assignment.status == status:
        return assignment  # repeated tap
    if assignment.status not in ASSIGNMENT_STEPS[status]:
        raise DomainError(_("An assignment that is %(old)s cannot become %(new)s.") % {
            "old": assignment.get_status_display(), "new": Assignment.Status(status).label}, status=409)
    now = timezone.now()
    fields = ["status"]
    if assignment.acknowledged_at is None:
        # Moving is the strongest acknowledgement there is.
        assignment.acknowledged_at, assignment.acknowledged_by = now, actor
        fields += ["acknowledged_at", "acknowledged_by"]
    stamp = {"en_route": "en_route_at", "on_scene": "on_scene_at", "cleared": "cleared_at"}[status]
    setattr(assignment, stamp, now)
    assignment.status = status
    assignment.save(update_fields=fields + [stamp])
    resource.status, resource.status_since = RESOURCE_STATUS_FOR[status], now
    resource.save(update_fields=["status", "status_since"])
    incident = assignment.incident
    if status == Assignment.Status.ON_SCENE and incident.status == Incident.Status.DISPATCHED:
        incident = _locked_incident(incident.pk)
        incident.status = Incident.Status.IN_PROGRESS
        incident.save(update_fields=["status"])
        _emit_incident(incident, "incident.updated")
    _timeline(incident, actor, status, _("%(unit)s: %(status)s.") % {
        "unit": resource.name, "status": assignment.get_status_display()}, assignment=assignment.pk)
    _emit_assignment(assignment, "assignment.updated")
    _emit_resource(resource, None if status == Assignment.Status.CLEARED else incident)
    return assignment


@transaction.atomic
def exercise_units_release(*, actor, incident_id: int, reason: str = "") -> list[Assignment]:
    """Send every unit on an exercise incident back to service at once (a real call needs them).

    Units on a drill are really busy, so a real call sees them taken; this is the dispatcher's
    one-step way back. Only for exercise incidents: a real incident's units clear one by one.
    Locks the resources (in id order), then the assignments, then the incident.
    """
    _require(actor, DISPATCH_ROLES, _("Only dispatchers and commanders may release units."))
    try:
        incident = Incident.objects.only("pk", "exercise", "number").get(pk=incident_id)
    except (Incident.DoesNotExist, ValueError, TypeError):
        raise DomainError(_("No incident %(id)s.") % {"id": incident_id}, status=404) from None
    if not incident.exercise:
        raise DomainError(_("Incident %(n)s is real: its units are cleared one by one, not released at once.")
                          % {"n": incident.number}, status=409)
    resource_ids = sorted(Assignment.objects.filter(incident_id=incident.pk, status__in=Assignment.ACTIVE_STATUSES)
                          .values_list("resource_id", flat=True))
    resources = {r.pk: r for r in Resource.objects.select_for_update().filter(pk__in=resource_ids).order_by("pk")}
    assignments = list(Assignment.objects.select_for_update(of=("self",))
                       .filter(incident_id=incident.pk, resource_id__in=resource_ids,
                               status__in=Assignment.ACTIVE_STATUSES)
                       .select_related("incident__type", "incident__area", "resource").order_by("resource_id"))
    incident = _locked_incident(incident.pk)
    now = timezone.now()
    for assignment in assignments:
        assignment.status = Assignment.Status.CANCELLED
        assignment.save(update_fields=["status"])
        resource = resources[assignment.resource_id]
        resource.status, resource.status_since = Resource.Status.AVAILABLE, now
        resource.save(update_fields=["status", "status_since"])
    if assignments:
        names = ", ".join(a.resource.name for a in assignments)
        _timeline(incident, actor, "released", (_("Exercise units released: %(names)s.") % {"names": names}
                                                + (f" {reason}" if reason else "")),
                  resources=[a.resource_id for a in assignments])
        for assignment in assignments:
            _emit_assignment(assignment, "assignment.updated")
            _emit_resource(resources[assignment.resource_id], None)
        _emit_incident(incident, "incident.updated")
    return assignments


@transaction.atomic
def assignment_escalate(*, assignment_id: int) -> Assignment | None:
    """Run by the escalation job. Does nothing unless the assignment is still unacknowledged.

    Re-pushes the assignment to its unit (a fresh `assignment.escalated` event on the unit's
    audience rings the phone again), raises it to the console and the officers on duty,
    writes the timeline, and schedules the next round up to ESCALATION_MAX_ROUNDS.
    """
    try:
        resource_id = Assignment.objects.values_list("resource_id", flat=True).get(pk=assignment_id)
    except Assignment.DoesNotExist:
        return None
    Resource.objects.select_for_update().get(pk=resource_id)
    assignment = (Assignment.objects.select_for_update(of=("self",))
                  .select_related("incident__type", "incident__area", "resource").get(pk=assignment_id))
    if assignment.status != Assignment.Status.PENDING:
        return None
    assignment.escalations += 1
    assignment.last_escalated_at = timezone.now()
    assignment.save(update_fields=["escalations", "last_escalated_at"])
    _timeline(assignment.incident, None, "escalated",
              _("%(unit)s has not acknowledged after %(s)s s: escalated (round %(n)s).") % {
                  "unit": assignment.resource.name,
                  "s": settings.ESCALATION_TIMEOUT_S * assignment.escalations, "n": assignment.escalations},
              assignment=assignment.pk)
    stream.publish(events.ASSIGNMENT_ESCALATED, assignment)
    if assignment.escalations == 1:  # a locked phone hears the first escalation by SMS (issue 21)
        notice_services.notify_flow(
            source="assignment.escalated", channels_wanted=["sms"], incident_id=assignment.incident_id,
            drill=assignment.incident.exercise, targets=[{"kind": "unit_crew", "id": assignment.resource_id}],
            title=_("%(unit)s: assignment to %(number)s not acknowledged") % {
                "unit": assignment.resource.name, "number": assignment.incident.number},
            body=_("Open the responder page and acknowledge."))
    if assignment.escalations < settings.ESCALATION_MAX_ROUNDS:
        escalate_unacknowledged.configure(schedule_in={"seconds": settings.ESCALATION_TIMEOUT_S}).defer(
            assignment_id=assignment.pk)
    return assignment


# --- durable jobs (procrastinate) ---------------------------------------------------------
# Declared beside the services they run, so services defer them without importing
# incidents.tasks (which re-exports them for procrastinate) and no import loop exists.

@jobs.task(name="incidents.escalate_unacknowledged", queue="escalations", retry=TRANSIENT_DATABASE_ERRORS)
def escalate_unacknowledged(assignment_id: int) -> None:
    assignment_escalate(assignment_id=assignment_id)
