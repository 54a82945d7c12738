"""An incident's life: logged (with the caller's call), status and severity changes, notes."""

from __future__ import annotations

from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.roles import INTAKE_ROLES
from incidents.models import (
    Assignment,
    Incident,
    IncidentType,
    Severity,
    TimelineEntry,
)
from incidents.services.base import (
    STATUS_TRANSITIONS,
    _emit_incident,
    _require,
    district_outside_by_m,
    parse_location,
)
from incidents.services.timeline import _locked_incident, _timeline
from resources.models import Area

# --- incidents ---------------------------------------------------------------------

@transaction.atomic
def incident_log(*, actor, type_code: str, severity: str, lon, lat, title: str = "", address: str = "",
                 caller_name: str = "", caller_phone: str = "", description: str = "",
                 reported_at: datetime | None = None, exercise: bool = False,
                 outside_district: bool = False, risk_source=None, chemical=None) -> Incident:
    """Log a call. A point outside the district is refused unless the call-taker confirms it
    (`outside_district`): a mutual-aid call, or a typo that would send units 100 km away.
    `risk_source` and `chemical` (hazards objects) say what leaks or burns when it is known,
    as it is for an incident logged from a park alarm."""
    _require(actor, INTAKE_ROLES, _("Only duty officers, dispatchers and commanders may log incidents."))
    location = parse_location(lon, lat)
    outside_m = district_outside_by_m(location)
    if outside_m and not outside_district:
        raise DomainError(
            _("This point (%(lon).5f, %(lat).5f) is %(km).1f km outside the district. Check the coordinates, "
              "or confirm “outside the district / mutual aid” to log it anyway.") % {
                "lon": location.x, "lat": location.y, "km": outside_m / 1000},
            data={"outside_district_m": round(outside_m)})
    try:
        itype = IncidentType.objects.get(code=type_code)
    except IncidentType.DoesNotExist:
        raise DomainError(_("Unknown incident type “%(code)s”. Choose one of the listed types.") % {"code": type_code}) from None
    if severity not in Severity.values:
        raise DomainError(_("Severity must be one of I, II, III, IV (got “%(s)s”).") % {"s": severity})
    now = timezone.now()
    if reported_at and reported_at > now:
        raise DomainError(_("The call cannot have been received in the future."))
    incident = Incident.objects.create(
        number=_next_number(now),
        title=(title or "").strip() or f"{itype.name_zh} {address}".strip(),
        type=itype, severity=severity, location=location, address=address, caller_name=caller_name,
        caller_phone=caller_phone, description=description, reported_at=reported_at or now,
        area=Area.objects.filter(boundary__intersects=location).first(), created_by=actor,
        exercise=bool(exercise), outside_district=bool(outside_m), risk_source=risk_source, chemical=chemical,
    )
    _timeline(incident, actor, "logged", _("Incident logged: %(type)s, severity %(sev)s.") % {
        "type": itype.name_zh, "sev": incident.severity_numeral}, caller=caller_name)
    if outside_m:
        _timeline(incident, actor, "outside_district", _("Logged %(km).1f km outside the district, confirmed by the "
                                                          "call-taker (mutual aid).") % {"km": outside_m / 1000},
                  outside_district_m=round(outside_m))
    _emit_incident(incident, "incident.created")
    return incident


@transaction.atomic
def incident_record_call(*, actor, incident_id: int, caller_name: str = "", caller_phone: str = "",
                         note: str = "") -> Incident:
    """A further call about an incident already open: it goes on that incident's timeline."""
    _require(actor, INTAKE_ROLES, _("Only duty officers, dispatchers and commanders may record calls."))
    incident = _locked_incident(incident_id)
    if not incident.is_open:
        raise DomainError(_("Incident %(n)s is closed; log a new incident instead.") % {"n": incident.number},
                          status=409)
    who = " ".join(filter(None, [caller_name, caller_phone])) or _("unknown caller")
    _timeline(incident, actor, "call", _("Further call from %(who)s: %(note)s") % {"who": who, "note": note},
              caller_name=caller_name, caller_phone=caller_phone)
    _emit_incident(incident, "incident.updated")
    return incident


@transaction.atomic
def incident_change_status(*, actor, incident_id: int, status: str, note: str = "") -> Incident:
    _require(actor, INTAKE_ROLES, _("Your role cannot change an incident's status."))
    incident = _locked_incident(incident_id)
    if status not in Incident.Status.values:
        raise DomainError(_("Unknown status “%(s)s”.") % {"s": status})
    if status not in STATUS_TRANSITIONS[incident.status]:
        raise DomainError(_("An incident cannot go from “%(old)s” to “%(new)s”.") % {
            "old": incident.get_status_display(), "new": Incident.Status(status).label}, status=409)
    if status == Incident.Status.CLOSED and incident.assignments.filter(status__in=Assignment.ACTIVE_STATUSES).exists():
        raise DomainError(_("Units are still assigned; clear them before closing the incident."), status=409)
    old = incident.get_status_display()
    incident.status = status
    incident.closed_at = timezone.now() if status == Incident.Status.CLOSED else None
    incident.save(update_fields=["status", "closed_at"])
    text = _("Status: %(old)s → %(new)s.") % {"old": old, "new": incident.get_status_display()}
    _timeline(incident, actor, "status", f"{text} {note}".strip(), status=status)
    _emit_incident(incident, "incident.updated")
    return incident


@transaction.atomic
def incident_change_severity(*, actor, incident_id: int, severity: str, reason: str = "") -> Incident:
    _require(actor, INTAKE_ROLES, _("Your role cannot change an incident's severity."))
    if severity not in Severity.values:
        raise DomainError(_("Severity must be one of I, II, III, IV (got “%(s)s”).") % {"s": severity})
    incident = _locked_incident(incident_id)
    if incident.severity == severity:
        raise DomainError(_("The incident already has this severity."), status=409)
    old, old_numeral = incident.severity, incident.severity_numeral
    incident.severity = severity
    incident.save(update_fields=["severity"])
    _timeline(incident, actor, "severity", _("Severity %(old)s → %(new)s. %(reason)s") % {
        "old": old_numeral, "new": incident.severity_numeral, "reason": reason}, old=old, new=severity)
    _emit_incident(incident, "incident.updated")
    return incident


@transaction.atomic
def incident_add_note(*, actor, incident_id: int, text: str) -> TimelineEntry:
    _require(actor, INTAKE_ROLES, _("Your role cannot add to the timeline."))
    if not (text or "").strip():
        raise DomainError(_("Write something in the note."))
    incident = _locked_incident(incident_id)
    entry = _timeline(incident, actor, "note", text.strip())
    _emit_incident(incident, "incident.updated")
    return entry


def _next_number(now) -> str:
    year = timezone.localtime(now).year
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO incidents_incidentcounter (year, last) VALUES (%s, 1) "
            "ON CONFLICT (year) DO UPDATE SET last = incidents_incidentcounter.last + 1 RETURNING last",
            [year],
        )
        (last,) = cursor.fetchone()
    return f"{year}-{last:06d}"
