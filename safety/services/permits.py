"""Special-work permits (GB 30871-2022): submitted, started, suspended by a gas test or an
alarm nearby, resumed, closed."""

from __future__ import annotations

import datetime as dt

from django.contrib.gis.geos import Point
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

import stream
from core.errors import DomainError
from core.roles import ENTERPRISE_OFFICER, require_role
from monitoring import selectors as monitoring_selectors
from safety import events, rules, selectors, special_work
from safety.models import (
    Contractor,
    GasTest,
    PermitAlarmAction,
    PermitApproval,
    WorkPermit,
)
from safety.services.base import _enterprise_for, _locked, _on_site, _wrong_state
from safety.services.colour import enterprise_colour_recompute, enterprise_colour_recompute_later

# --- special-work permits (GB 30871-2022) -------------------------------------------------------

def _refuse(breaches: list[rules.Breach], status: int = 400) -> DomainError:
    first = breaches[0]
    return DomainError(f"{first.rule}: {first.message}" if first.rule.startswith("GB") else first.message,
                       status=status, data={"rule": first.rule,
                                            "breaches": [{"rule": b.rule, "message": b.message} for b in breaches]})


@transaction.atomic
def work_permit_submit(*, actor, enterprise_id: int, kind: str, valid_from: dt.datetime, valid_to: dt.datetime,
                       grade: str = "", place: str = "", location: Point | None = None,
                       gas_tests: list[dict] | None = None, toxic_limit_ppm: float | None = None,
                       description: str = "", contractor: int | None = None, equipment: str = "",
                       medium: str = "", oxygen_equipment: bool = False, continuous_monitor: str = "",
                       wind_force: int | None = None, rest_day: bool = False,
                       extension_reason: str = "", height_m=None, load_t=None) -> WorkPermit:
    """Submit a permit. Hot work is managed one grade up at night, on rest days or in wind of
    force 5 and above (GB 30871-2022 5.1.1): the stored `grade` is the grade it is managed at,
    `declared_grade` the one asked for. Every rule it breaks is refused, naming its clause."""
    enterprise = _enterprise_for(actor, enterprise_id)
    if kind not in WorkPermit.Kind.values:
        raise DomainError(_("Unknown kind of special work “%(kind)s”.") % {"kind": kind})
    _on_site(enterprise, location, _("work permit"))
    equipment, medium = (equipment or "").strip(), (medium or "").strip()
    declared = grade or ""
    upgrade_reasons: list[str] = []
    if kind == "hot_work" and declared:
        grade, upgrade_reasons = special_work.upgraded_grade(declared, valid_from, valid_to, rest_day=rest_day,
                                                             wind_force=wind_force)
    breaches = rules.permit_window_breaches(kind, grade or None, valid_from, valid_to)
    if upgrade_reasons and grade != declared:
        breaches = [rules.Breach(b.rule, b.message + " " + _("It is managed as %(grade)s because it is %(why)s.") % {
            "grade": special_work.grade_label(grade), "why": "; ".join(upgrade_reasons)})
            if b.rule == "GB 30871-2022 5.1" else b for b in breaches]
    if valid_to > valid_from:
        breaches += special_work.validity_breaches(kind, valid_from, valid_to, extension_reason=extension_reason or "")
    breaches += special_work.work_size_breaches(kind, height_m, load_t)
    now = timezone.now()
    if valid_to <= now and valid_to > valid_from:
        # Issue 22: a permit wholly in the past was accepted and sat in 已提交 forever. A permit
        # authorises work to come; work already done is recorded elsewhere.
        breaches.insert(0, rules.Breach("valid_to > now", _(
            "The permit's validity ended at %(end)s, before now: a permit is for work to come. Correct the dates.")
            % {"end": timezone.localtime(valid_to).strftime("%Y-%m-%d %H:%M")}))
    continuous = special_work.continuous_breach(kind, grade, continuous_monitor)
    if continuous:
        breaches.append(continuous)
    toxic_limit_ppm, toxic = special_work.toxic_limit_breaches(medium, toxic_limit_ppm)
    breaches += toxic
    for test in gas_tests or []:
        breaches += rules.gas_test_breaches(kind, test, now=now, toxic_limit_ppm=toxic_limit_ppm)
        oxygen = special_work.oxygen_breach(kind, oxygen_equipment, test.get("o2_percent"))
        if oxygen:
            breaches.append(oxygen)
    contractor_row = None
    if contractor is not None:
        contractor_row = (Contractor.objects.filter(enterprise=enterprise, pk=contractor)
                          .prefetch_related("qualifications").first())
        if contractor_row is None:
            raise DomainError(_("No contractor %(id)s of %(name)s: name one of the enterprise's own contractors.") % {
                "id": contractor, "name": enterprise.name}, data={"field": "contractor"})
        if valid_to > valid_from:
            breaches += special_work.qualification_breaches(
                contractor_row.name, [{"kind": q.kind, "number": q.number, "valid_to": q.valid_to}
                                      for q in contractor_row.qualifications.all()], valid_to)
    if equipment and valid_to > valid_from:
        others = (WorkPermit.objects.select_for_update().filter(
            enterprise=enterprise, equipment=equipment, state__in=rules.PERMIT_OPEN,
            valid_from__lt=valid_to, valid_to__gt=valid_from).order_by("pk").values("id", "kind", "place"))
        clash = special_work.simultaneous_breach(kind, equipment, list(others))
        if clash:
            breaches.append(clash)
    if breaches:
        raise _refuse(breaches)
    if toxic_limit_ppm is not None and toxic_limit_ppm <= 0:
        raise DomainError(_("The toxic gas limit must be above zero."))
    permit = WorkPermit.objects.create(
        enterprise=enterprise, kind=kind, grade=grade or "", place=place, location=location or enterprise.location,
        valid_from=valid_from, valid_to=valid_to, toxic_limit_ppm=toxic_limit_ppm, description=description,
        created_by=actor, contractor=contractor_row, equipment=equipment, medium=medium,
        oxygen_equipment=oxygen_equipment, continuous_monitor=(continuous_monitor or "").strip(),
        wind_force=wind_force, rest_day=rest_day, extension_reason=(extension_reason or "").strip(),
        declared_grade=declared, height_m=height_m, load_t=load_t)
    for test in gas_tests or []:
        GasTest.objects.create(permit=permit, passed=True, recorded_by=actor, **_test_fields(test))
    stream.publish(events.WORK_PERMIT_UPDATED, permit, "submitted")
    return permit


@transaction.atomic
def work_permit_approve(*, actor, permit_id: int, level: str, approver: str, on_site: bool,
                        note: str = "") -> PermitApproval:
    """Record an approval (GB 30871-2022 Appendix B) given on site (4.11). The enterprise approves
    its own permits: a park supervisor checks them (spot checks), never approves them."""
    require_role(actor, {ENTERPRISE_OFFICER}, _(
        "Permits are approved by the enterprise's own approvers, recorded by its safety officer; the park "
        "supervises them with spot checks."))
    permit = _locked(WorkPermit, selectors.permits_visible_to(actor), actor, permit_id)
    if permit.state != rules.WP.SUBMITTED:
        raise _wrong_state(permit, _("approval"))
    if not (approver or "").strip():
        raise DomainError(_("Name the approver (“approver”)."), data={"field": "approver"})
    breaches = special_work.approval_breaches(permit.kind, special_work.permit_work_grade(permit), level, on_site=on_site)
    if breaches:
        raise _refuse(breaches)
    approval = PermitApproval.objects.create(permit=permit, level=level, approver=approver.strip(), on_site=on_site,
                                             note=note or "", recorded_by=actor)
    stream.publish(events.WORK_PERMIT_UPDATED, permit, "approved", special_work.APPROVAL_CLAUSE)
    return approval


@transaction.atomic
def work_permit_pause(*, actor, permit_id: int) -> WorkPermit:
    """A break in work (作业中断): resuming after more than 30 min (特级/一级 hot work) or 60 min
    (二级 hot work, confined space) needs a new gas analysis first."""
    permit = _locked(WorkPermit, selectors.permits_visible_to(actor), actor, permit_id)
    target = rules.permit_next(permit.state, "suspend")
    if target is None:
        raise _wrong_state(permit, _("break"))
    permit.state, permit.paused_at = target, timezone.now()
    permit.save(update_fields=["state", "paused_at"])
    stream.publish(events.WORK_PERMIT_UPDATED, permit, "paused")
    return permit


@transaction.atomic
def work_permit_start(*, actor, permit_id: int) -> WorkPermit:
    """Work starts: inside the window, with a passing gas analysis no older than 30 min."""
    return _start(actor, permit_id, "start")


@transaction.atomic
def work_permit_resume(*, actor, permit_id: int) -> WorkPermit:
    """Work resumes after a suspension, on the same conditions as a start."""
    return _start(actor, permit_id, "resume")


def _start(actor, permit_id, step) -> WorkPermit:
    permit = _locked(WorkPermit, selectors.permits_visible_to(actor), actor, permit_id)
    target = rules.permit_next(permit.state, step)
    if target is None:
        raise _wrong_state(permit, step)
    now = timezone.now()
    if step == "start":
        work_grade = special_work.permit_work_grade(permit)
        if not special_work.approved(permit.kind, work_grade, list(permit.approvals.values("level", "on_site"))):
            needed = special_work.required_approver(permit.kind, work_grade)
            raise DomainError(f"{special_work.APPROVAL_CLAUSE}: " + _(
                "Work cannot start before the permit is approved on site by the %(who)s.") % {
                "who": special_work.APPROVER_LABELS[needed]}, status=409,
                data={"rule": special_work.APPROVAL_CLAUSE, "approver_level": needed})
    latest = permit.gas_tests.order_by("-at", "-id").first()
    latest_in = latest.as_rule_input() if latest else None
    fresh_needed = True
    breaches: list[rules.Breach] = []
    if step == "resume" and permit.kind in rules.KINDS_WITH_GAS_TESTS:
        breaches, fresh_needed = special_work.resume_breaches(
            permit.kind, permit.grade, paused_at=permit.paused_at, at=now, latest_test_at=latest.at if latest else None)
        if latest is not None and not latest.passed:
            fresh_needed = True  # the last analysis failed: only a new, passing one lets work go on
    if not breaches:
        if fresh_needed:
            breaches = rules.start_breaches(permit.kind, latest_in, at=now, valid_from=permit.valid_from,
                                            valid_to=permit.valid_to, toxic_limit_ppm=permit.toxic_limit_ppm)
        else:
            breaches = [b for b in rules.start_breaches(permit.kind, latest_in, at=now, valid_from=permit.valid_from,
                                                        valid_to=permit.valid_to, toxic_limit_ppm=permit.toxic_limit_ppm)
                        if b.rule == "permit window"]
        daily = special_work.daily_analysis_breach(permit.kind, latest.at if latest else None, now)
        if daily and not breaches:
            breaches.append(daily)
        oxygen = (special_work.oxygen_breach(permit.kind, permit.oxygen_equipment, latest.o2_percent)
                  if latest is not None else None)
        if oxygen:
            breaches.append(oxygen)
    if breaches:
        raise _refuse(breaches)
    permit.state, permit.paused_at = target, None
    if step == "start":
        permit.started_at = now
    permit.save(update_fields=["state", "started_at", "paused_at"])
    stream.publish(events.WORK_PERMIT_UPDATED, permit, step)
    _permit_colour(permit, latest.at if latest else None, step)
    return permit


def _permit_colour(permit: WorkPermit, latest_test_at, step: str) -> None:
    """Confined-space work whose gas re-test is late is an overdue item of the colour: recolour
    now (started, stopped, re-tested), and at the moment the next re-test falls due."""
    if permit.kind != "confined_space":
        return
    enterprise_colour_recompute(enterprise_id=permit.enterprise_id, reason=f"work_permit.{step}")
    due = rules.retest_due(permit.kind, latest_test_at)
    if permit.state == rules.WP.IN_PROGRESS and due is not None:
        enterprise_colour_recompute_later(enterprise_id=permit.enterprise_id, reason="work_permit.retest_due",
                                          at=due + dt.timedelta(seconds=1))


@transaction.atomic
def gas_test_record(*, actor, permit_id: int, test: dict) -> tuple[GasTest, list[rules.Breach]]:
    """Record a gas analysis. A test in the future is refused; a test over a limit is recorded
    (it happened) and suspends work in progress, naming the rule."""
    permit = _locked(WorkPermit, selectors.permits_visible_to(actor), actor, permit_id)
    if permit.state not in rules.PERMIT_OPEN:
        raise _wrong_state(permit, _("gas test"))
    breaches = rules.gas_test_breaches(permit.kind, test, now=timezone.now(), toxic_limit_ppm=permit.toxic_limit_ppm)
    oxygen = special_work.oxygen_breach(permit.kind, permit.oxygen_equipment, test.get("o2_percent"))
    if oxygen:
        breaches.append(oxygen)
    if any(b.rule == "gas_test.at <= now" for b in breaches):
        raise _refuse(breaches)
    gas_test = GasTest.objects.create(permit=permit, passed=not breaches, recorded_by=actor, **_test_fields(test))
    if breaches and permit.state == rules.WP.IN_PROGRESS:
        permit.state, permit.paused_at = rules.permit_next(permit.state, "suspend"), None
        permit.save(update_fields=["state", "paused_at"])
        stream.publish(events.WORK_PERMIT_UPDATED, permit, "suspended", breaches[0].rule)
    _permit_colour(permit, gas_test.at, "gas_test")
    return gas_test, breaches


@transaction.atomic
def work_permit_close(*, actor, permit_id: int, cancel: bool = False) -> WorkPermit:
    permit = _locked(WorkPermit, selectors.permits_visible_to(actor), actor, permit_id)
    step = "cancel" if cancel else "close"
    target = rules.permit_next(permit.state, step)
    if target is None:
        raise _wrong_state(permit, step)
    permit.state, permit.closed_at = target, timezone.now()
    permit.save(update_fields=["state", "closed_at"])
    stream.publish(events.WORK_PERMIT_UPDATED, permit, step)
    _permit_colour(permit, None, step)
    return permit


def permits_alarm_event(event) -> None:
    """core.events subscriber (safety.events) of monitoring's alarm events: a process alarm
    raised (or made worse) at a risk source or point stops hot work and confined-space work in
    progress within rules.ALARM_STOP_RADIUS_M (GB 30871-2022's stop on an abnormal situation)
    and warns the holders of every other permit in force there, the enterprise and the park.
    Runs in the alarm's own transaction, so the stop commits with the alarm. A broken sensor
    (offline, fault) is not a leak, and a drill's alarm never stops real work. Each permit is
    acted on once per alarm (PermitAlarmAction). Resuming needs a fresh gas analysis, as after
    any suspension (work_permit_resume)."""
    from django.contrib.gis.measure import D

    alarm, change = monitoring_selectors.alarm_of_event(event)
    if change not in ("raised", "escalated") or alarm is None or alarm.exercise:
        return
    if alarm.level in ("offline", "fault"):
        return
    point, source = alarm.point, alarm.point.risk_source
    # Where the alarm is: its risk source (the plant it watches) and the point itself, as the
    # consoles show them (6 decimals, about 0.1 m).
    places = [(round(p.x, 6), round(p.y, 6)) for p in ((source or point).location, point.location)]
    near = None
    for lon, lat in places:
        q = Q(location__dwithin=(Point(lon, lat, srid=4326), D(m=rules.ALARM_STOP_RADIUS_M)))
        near = q if near is None else near | q
    now = timezone.now()
    in_force = (Q(state__in=[rules.WP.IN_PROGRESS, rules.WP.SUSPENDED])
                | Q(state=rules.WP.SUBMITTED, valid_from__lte=now, valid_to__gt=now))
    permits = list(WorkPermit.objects.select_for_update(of=("self",)).select_related("enterprise")
                   .filter(near, in_force).exclude(alarm_actions__alarm_id=alarm.pk).order_by("pk"))
    for permit in permits:
        metres = round(_metres_to_nearest(permit.location, places))
        stop = permit.kind in rules.ALARM_STOP_KINDS and permit.state == rules.WP.IN_PROGRESS
        if stop:
            permit.state, permit.paused_at = rules.permit_next(permit.state, "suspend"), None
            permit._change_reason = f"alarm #{alarm.pk}"
            permit.save(update_fields=["state", "paused_at"])
        PermitAlarmAction.objects.create(
            permit=permit, alarm_id=alarm.pk, point_id=point.pk, point_code=point.code[:64],
            point_name=(point.name or "")[:200], level=alarm.level[:8], distance_m=metres,
            risk_source=" ".join(filter(None, [source.code, source.name] if source else []))[:300],
            action=PermitAlarmAction.Action.SUSPENDED if stop else PermitAlarmAction.Action.WARNED,
            rule=rules.ALARM_STOP_RULE)
        stream.publish(events.WORK_PERMIT_UPDATED, permit, "suspended" if stop else "alarm_nearby",
                       rules.ALARM_STOP_RULE,
                       {"id": alarm.pk, "point": point.code, "level": alarm.level,
                        "distance_m": metres, "risk_source": source.code if source else None})


def _metres_to_nearest(location, places) -> float:
    """Metres from a permit to the nearest of the alarm's places (geodesic, PostGIS-free: the
    places are a few hundred metres apart at most)."""
    import math

    best = math.inf
    for lon, lat in places:
        dx = math.radians(location.x - lon) * math.cos(math.radians((location.y + lat) / 2))
        dy = math.radians(location.y - lat)
        best = min(best, 6_371_000 * math.hypot(dx, dy))
    return best


def _test_fields(test: dict) -> dict:
    return {k: test.get(k) for k in ("at", "combustible_percent", "lel_percent", "o2_percent", "toxic_ppm")}
