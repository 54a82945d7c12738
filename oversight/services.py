"""Writes of the park's safety administration. Each service runs in one transaction, checks who
may do it (a park safety supervisor for any enterprise, an enterprise safety officer for their
own: another enterprise's record is a 404, as if it did not exist), emits its events and asks
safety to recompute the enterprise's colour when an input of it changed.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from procrastinate.contrib.django import app as jobs

import stream
from core.errors import DomainError
from core.roles import ENTERPRISE_OFFICER, SAFETY_SUPERVISOR, require_role
from hazards.models import Enterprise, RiskSource
from oversight import events, rules, selectors
from oversight.models import DutyCheck, Evaluation, Finding, Inspection, Licence, RedFinding, Turnaround
from safety import selectors as ledger
from safety import services as ledger_services
from safety.models import InspectionDraw

WRITERS = {SAFETY_SUPERVISOR, ENTERPRISE_OFFICER}
# A check or report dated ahead of the server's clock by more than this is a typing error.
FUTURE_SKEW = dt.timedelta(minutes=5)


def _enterprise_for(actor, enterprise_id: int) -> Enterprise:
    require_role(actor, WRITERS, _("Only park safety supervisors and enterprise safety officers keep these records."))
    enterprise = ledger.enterprises_visible_to(actor).filter(pk=enterprise_id).first()
    if enterprise is None:
        raise DomainError(_("No enterprise %(id)s.") % {"id": enterprise_id}, status=404)
    return enterprise


def _major_source_for(actor, risk_source_id: int) -> RiskSource:
    require_role(actor, WRITERS, _("Only park safety supervisors and enterprise safety officers keep these records."))
    source = selectors.risk_sources_visible_to(actor).filter(pk=risk_source_id).first()
    if source is None:
        raise DomainError(_("No risk source %(id)s.") % {"id": risk_source_id}, status=404)
    if not source.is_major:
        raise DomainError(_("%(code)s is not a major hazard source: 包保 checks and safety assessments are kept "
                            "for major hazard sources only.") % {"code": source.code})
    return source


@transaction.atomic
def licence_record(*, actor, enterprise_id: int, kind: str, number: str, valid_from: dt.date, valid_to: dt.date,
                   scope: str = "", issuer: str = "") -> Licence:
    """Record a licence, or update the one with this enterprise, kind and number (a re-entered
    licence is the same licence: its dates and scope are corrected, reminders start afresh)."""
    enterprise = _enterprise_for(actor, enterprise_id)
    if valid_to < valid_from:
        raise DomainError(_("The licence's validity ends (%(to)s) before it begins (%(from)s).") % {
            "to": valid_to, "from": valid_from})
    defaults = {"valid_from": valid_from, "valid_to": valid_to, "scope": scope, "issuer": issuer,
                "recorded_by": actor, "reminded": [], "lapse_told": False}
    try:
        with transaction.atomic():
            licence, _created = Licence.objects.select_for_update().update_or_create(
                enterprise=enterprise, kind=kind, number=number, defaults=defaults)
    except IntegrityError:  # two clicks at once: the other one created it; update it instead
        licence = Licence.objects.select_for_update().get(enterprise=enterprise, kind=kind, number=number)
        for field, value in defaults.items():
            setattr(licence, field, value)
        licence.save()
    today = timezone.localdate()
    stream.publish(events.LICENCE_UPDATED, licence, "recorded", (valid_to - today).days,
                   rules.licence_status(valid_to, today))
    ledger_services.enterprise_colour_recompute_later(enterprise_id=enterprise.pk, reason="licence.recorded")
    # The day it lapses the colour changes with no write: recompute then (the five-minute
    # backstop would catch it too, but a licence lapsing at midnight should show at midnight).
    lapse = ledger_services.lapse_moment(valid_to)
    if lapse is not None and lapse > timezone.now():
        ledger_services.enterprise_colour_recompute_later(enterprise_id=enterprise.pk, reason="licence.lapsed",
                                                          at=lapse)
    return licence


@transaction.atomic
def duty_check_record(*, actor, risk_source_id: int, role: str, at: dt.datetime, person: str = "",
                      findings: str = "") -> DutyCheck:
    source = _major_source_for(actor, risk_source_id)
    if at > timezone.now() + FUTURE_SKEW:
        raise DomainError(_("A check cannot be recorded in the future (%(at)s).") % {
            "at": timezone.localtime(at).strftime("%Y-%m-%d %H:%M")})
    if not person:
        named = source.responsible_persons.filter(role=selectors.LEDGER_ROLE[role]).first()
        if named is None:
            raise DomainError(_("No %(role)s is named for %(code)s: name the person who checked.") % {
                "role": DutyCheck.Role(role).label, "code": source.code})
        person = named.name
    check = DutyCheck.objects.create(risk_source=source, role=role, person=person, at=at, findings=findings,
                                     recorded_by=actor)
    stream.publish(events.DUTY_CHECK_RECORDED, check)
    ledger_services.enterprise_colour_recompute_later(enterprise_id=source.enterprise_id, reason="duty_check.recorded")
    return check


@transaction.atomic
def evaluation_record(*, actor, risk_source_id: int, kind: str, agency: str, completed_on: dt.date,
                      report_number: str = "", conclusion: str = "") -> Evaluation:
    source = _major_source_for(actor, risk_source_id)
    if completed_on > timezone.localdate():
        raise DomainError(_("A report cannot be completed in the future (%(on)s).") % {"on": completed_on})
    evaluation = Evaluation.objects.create(risk_source=source, kind=kind, agency=agency, completed_on=completed_on,
                                           report_number=report_number, conclusion=conclusion, recorded_by=actor)
    ledger_services.enterprise_colour_recompute_later(enterprise_id=source.enterprise_id, reason="evaluation.recorded")
    return evaluation


@transaction.atomic
def turnaround_report(*, actor, enterprise_id: int, kind: str, units: list[str], planned_from: dt.datetime,
                      planned_to: dt.datetime, measures: str, approver: str,
                      risk_sources: list[int] | None = None) -> Turnaround:
    """An enterprise reports a planned start-up, shutdown or turnaround to the park (报备)."""
    enterprise = _enterprise_for(actor, enterprise_id)
    if planned_to <= planned_from:
        raise DomainError(_("The turnaround ends before it begins."))
    if planned_to - planned_from > dt.timedelta(days=rules.TURNAROUND_MAX_DAYS):
        raise DomainError(_("A turnaround lasts at most %(days)d days; report longer work in parts.") % {
            "days": rules.TURNAROUND_MAX_DAYS})
    if planned_to < timezone.now():
        raise DomainError(_("This turnaround is wholly in the past: report planned work before it starts."))
    names = [u.strip() for u in units if u.strip()]
    if not names or len(names) > rules.TURNAROUND_MAX_UNITS:
        raise DomainError(_("Name between 1 and %(n)d units (装置).") % {"n": rules.TURNAROUND_MAX_UNITS})
    sources = list(RiskSource.objects.filter(pk__in=risk_sources or [], enterprise=enterprise))
    if len(sources) != len(set(risk_sources or [])):
        raise DomainError(_("Risk sources must be this enterprise's own."))
    turnaround = Turnaround.objects.create(enterprise=enterprise, kind=kind, units=names, planned_from=planned_from,
                                           planned_to=planned_to, measures=measures, approver=approver,
                                           reported_by=actor)
    turnaround.risk_sources.set(sources)
    stream.publish(events.TURNAROUND_REPORTED, turnaround)
    return turnaround


@transaction.atomic
def inspection_record(*, actor, enterprise_id: int, at: dt.datetime, findings: list[dict],
                      inspectors: list[str] | None = None, draw: int | None = None, summary: str = "",
                      rectify_by: dt.datetime | None = None) -> Inspection:
    """Record an inspection. Each finding ({"text", "level", "criteria", "deadline"?}) opens a
    hidden danger through the ledger's own service, in this transaction; with findings, the
    inspection gets an order number for its 责令限期整改指令书. From a draw, the enterprise must be
    one it chose and, when no inspectors are named, the draw's pair for it inspects."""
    require_role(actor, {SAFETY_SUPERVISOR}, _("Only park safety supervisors record inspections."))
    enterprise = _enterprise_for(actor, enterprise_id)
    draw_row = None
    if draw is not None:
        draw_row = InspectionDraw.objects.filter(pk=draw).prefetch_related("enterprises").first()
        if draw_row is None:
            raise DomainError(_("No inspection draw %(id)s.") % {"id": draw}, status=404)
        drawn = [e.pk for e in draw_row.enterprises.all()]
        if enterprise.pk not in drawn:
            raise DomainError(_("%(name)s was not drawn in inspection draw %(id)s.") % {
                "name": enterprise.name, "id": draw_row.pk})
        if not inspectors:
            inspectors = rules.inspector_pairs(draw_row.inspectors, drawn, draw_row.seed).get(enterprise.pk, [])
    names = sorted({n.strip() for n in inspectors or [] if n.strip()})
    if len(names) < rules.MIN_INSPECTORS:
        raise DomainError(_("An inspection is made by at least two inspectors (行政处罚法 Art. 42): name them."))
    if at > timezone.now() + FUTURE_SKEW:
        raise DomainError(_("An inspection cannot be recorded in the future."))
    if len(findings) > rules.MAX_FINDINGS:
        raise DomainError(_("At most %(n)d findings in one inspection.") % {"n": rules.MAX_FINDINGS})
    rectify_by = rectify_by or (timezone.now() + dt.timedelta(days=30))
    inspection = Inspection.objects.create(enterprise=enterprise, draw=draw_row, inspectors=names, at=at,
                                           summary=summary, recorded_by=actor)
    for finding in findings:
        hidden = ledger_services.hidden_danger_report(
            actor=actor, enterprise_id=enterprise.pk, title=finding["text"][:200], description=finding["text"],
            deadline=finding.get("deadline") or rectify_by, level=finding.get("level", "general"),
            criteria=finding.get("criteria") or [], inspection=draw_row.pk if draw_row else None)
        Finding.objects.create(inspection=inspection, text=finding["text"], hidden_danger=hidden)
    if findings:
        year = timezone.localdate(at).year
        # Numbered per year in the order recorded (the row lock on the year's last order keeps
        # two supervisors from taking one number).
        last = (Inspection.objects.select_for_update().filter(order_number__startswith=f"园安责改〔{year}〕")
                .exclude(pk=inspection.pk).order_by("-order_number").values_list("order_number", flat=True).first())
        serial = int(last.split("〕")[1].rstrip("号")) + 1 if last else 1
        inspection.order_number = f"园安责改〔{year}〕{serial:04d}号"
        inspection.order_deadline = rectify_by
        inspection.save(update_fields=["order_number", "order_deadline"])
    return inspection


@transaction.atomic
def inspection_follow_up(*, actor, inspection_id: int, note: str) -> Inspection:
    """复查: the supervisor records the follow-up of an order once its deadline has come."""
    require_role(actor, {SAFETY_SUPERVISOR}, _("Only park safety supervisors record inspections."))
    inspection = Inspection.objects.select_for_update().filter(pk=inspection_id).first()
    if inspection is None:
        raise DomainError(_("No inspection %(id)s.") % {"id": inspection_id}, status=404)
    if inspection.followed_up_at is not None:
        raise DomainError(_("This inspection was already followed up."), status=409)
    if not note.strip():
        raise DomainError(_("Say what the follow-up found."))
    inspection.followed_up_at, inspection.follow_up_note = timezone.now(), note.strip()
    inspection.save(update_fields=["followed_up_at", "follow_up_note"])
    return inspection


# --- reminders (durable, periodic) ---------------------------------------------------------------

def licence_reminders_send(*, at: dt.datetime | None = None) -> list[tuple[int, str]]:
    """Tell the park and the enterprise once when a licence comes within 90 and 30 days of
    lapsing, and once when it lapsed. Safe to run any number of times: each licence row is
    locked and records what it told."""
    today = timezone.localdate(at or timezone.now())
    sent = []
    candidates = Licence.objects.filter(valid_to__lte=today + dt.timedelta(days=rules.LICENCE_REMINDER_DAYS[0]))
    for pk in candidates.values_list("pk", flat=True):
        with transaction.atomic():
            licence = Licence.objects.select_for_update().select_related("enterprise").get(pk=pk)
            left = (licence.valid_to - today).days
            if left < 0:
                if licence.lapse_told:
                    continue
                licence.lapse_told = True
                licence.save(update_fields=["lapse_told"])
                stream.publish(events.LICENCE_UPDATED, licence, "lapsed", left, "expired")
                ledger_services.enterprise_colour_recompute_later(enterprise_id=licence.enterprise_id,
                                                                  reason="licence.lapsed")
                sent.append((pk, "lapsed"))
                continue
            due = rules.licence_reminder_due(licence.valid_to, today, set(licence.reminded))
            if due is None:
                continue
            # Mark every threshold already passed, so the 90-day reminder never follows the 30-day one.
            licence.reminded = sorted({*licence.reminded, *[d for d in rules.LICENCE_REMINDER_DAYS if left <= d]})
            licence.save(update_fields=["reminded"])
            stream.publish(events.LICENCE_UPDATED, licence, "reminder", left, "expiring")
            sent.append((pk, f"reminder-{due}"))
    return sent


@jobs.periodic(cron="5 * * * *")  # hourly: a reminder is a day's matter, a lapse shows within the hour
@jobs.task(name="oversight.licence_reminders", queue="safety")
def licence_reminders(timestamp: int) -> None:
    licence_reminders_send()


# --- the national scheme's outright-red findings (应急〔2018〕19号) ----------------------------------

@transaction.atomic
def red_finding_record(*, actor, enterprise_id: int, condition: str, found_on: dt.date, note: str) -> RedFinding:
    """The park records a finding of an outright-red condition: the enterprise turns red now."""
    require_role(actor, {SAFETY_SUPERVISOR}, _("Only park safety supervisors record outright-red findings."))
    enterprise = _enterprise_for(actor, enterprise_id)
    if condition not in RedFinding.Condition.values:
        raise DomainError(_("The condition must be one of %(codes)s.") % {"codes": ", ".join(RedFinding.Condition.values)})
    if found_on > timezone.localdate():
        raise DomainError(_("A finding cannot be dated in the future (%(on)s).") % {"on": found_on})
    if not (note or "").strip():
        raise DomainError(_("Say what was found."))
    finding = RedFinding.objects.create(enterprise=enterprise, condition=condition, found_on=found_on,
                                        note=note.strip(), recorded_by=actor)
    ledger_services.enterprise_colour_recompute_later(enterprise_id=enterprise.pk, reason="red_finding.recorded")
    return finding


@transaction.atomic
def red_finding_resolve(*, actor, finding_id: int, resolution: str) -> RedFinding:
    require_role(actor, {SAFETY_SUPERVISOR}, _("Only park safety supervisors resolve outright-red findings."))
    finding = RedFinding.objects.select_for_update().filter(pk=finding_id).first()
    if finding is None:
        raise DomainError(_("No outright-red finding %(id)s.") % {"id": finding_id}, status=404)
    if finding.resolved_on is not None:
        raise DomainError(_("This finding was already resolved."), status=409)
    if not (resolution or "").strip():
        raise DomainError(_("Say how it was resolved."))
    finding.resolved_on, finding.resolution = timezone.localdate(), resolution.strip()
    finding.save(update_fields=["resolved_on", "resolution"])
    ledger_services.enterprise_colour_recompute_later(enterprise_id=finding.enterprise_id, reason="red_finding.resolved")
    return finding
