"""An incident's life: logged (with the caller's call), status and severity changes, notes."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.roles import INTAKE_ROLES
from incidents import grading
from incidents.models import (
    SEVERITY_NUMERALS,
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
    text = _("Severity %(old)s → %(new)s. %(reason)s") % {
        "old": old_numeral, "new": incident.severity_numeral, "reason": reason}
    suggested = incident.suggested_severity
    below = {}
    if grading.below(severity, suggested):
        # Officers decide, but the reporting deadlines follow the level: say it where it is read.
        text = f"{text.strip()} " + _("Below the severity the casualties and loss suggest: %(s)s (条例 Art. 3).") % {
            "s": SEVERITY_NUMERALS[suggested]}
        below = {"suggested": suggested}
    _timeline(incident, actor, "severity", text.strip(), old=old, new=severity, **below)
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


# --- casualties and loss (生产安全事故报告和调查处理条例 Art. 3, 13) ---------------------------

MAX_PEOPLE = 1_000_000
MAX_LOSS = Decimal("999999999999.99")


@transaction.atomic
def incident_record_casualties(*, actor, incident_id: int, deaths: int, injuries: int, direct_loss_cny,
                               note: str = "") -> Incident:
    """Record the toll: deaths, serious injuries, direct economic loss. The figures suggest a
    severity (incidents.grading); a chosen severity below it is kept (officers decide) but said
    on the timeline and in the API (`severity_below_suggested`). Closed incidents take changes
    for 30 days after closing, and such a change asks for a supplementary report (补报, Art. 13);
    after that the figures are final."""
    _require(actor, INTAKE_ROLES, _("Only duty officers, dispatchers and commanders record casualties."))
    for name, value in (("deaths", deaths), ("injuries", injuries)):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_PEOPLE:
            raise DomainError(_("“%(field)s” is a whole number from 0 to %(max)d.") % {"field": name, "max": MAX_PEOPLE})
    try:
        loss = Decimal(str(direct_loss_cny))
    except (InvalidOperation, ValueError):
        raise DomainError(_("“direct_loss_cny” is an amount in CNY.")) from None
    if not loss.is_finite() or not 0 <= loss <= MAX_LOSS:
        raise DomainError(_("“direct_loss_cny” is an amount in CNY from 0 to 999,999,999,999.99."))
    loss = loss.quantize(Decimal("0.01"))
    incident = _locked_incident(incident_id)
    after_close = None
    if incident.status == Incident.Status.CLOSED:
        after_close = (timezone.now() - incident.closed_at).days
        if after_close > grading.SUPPLEMENTARY_DAYS:
            raise DomainError(_("Incident %(n)s closed more than %(days)d days ago: its figures are final.") % {
                "n": incident.number, "days": grading.SUPPLEMENTARY_DAYS}, status=409)
    old = (incident.deaths, incident.injuries, incident.direct_loss_cny)
    if old == (deaths, injuries, loss):
        return incident
    incident.deaths, incident.injuries, incident.direct_loss_cny = deaths, injuries, loss
    incident.save(update_fields=["deaths", "injuries", "direct_loss_cny"])
    suggested = incident.suggested_severity
    text = _("Deaths %(d0)d → %(d1)d, serious injuries %(i0)d → %(i1)d, direct loss %(l0)s → %(l1)s CNY.") % {
        "d0": old[0], "d1": deaths, "i0": old[1], "i1": injuries, "l0": f"{old[2]:,.2f}", "l1": f"{loss:,.2f}"}
    if grading.below(incident.severity, suggested):
        text += " " + _("These figures suggest severity %(s)s, above the incident's %(c)s (条例 Art. 3).") % {
            "s": SEVERITY_NUMERALS[suggested], "c": incident.severity_numeral}
    casualties_changed = (deaths, injuries) != old[:2]
    supplementary = after_close is not None and casualties_changed
    if supplementary:
        text += " " + _("Changed after closing: file a supplementary report (补报).")
    _timeline(incident, actor, "casualties", f"{text} {note}".strip(), deaths=deaths, injuries=injuries,
              direct_loss_cny=str(loss), suggested=suggested, supplementary=supplementary)
    _emit_incident(incident, "incident.updated")
    return incident
