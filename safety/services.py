"""Writes of the safety ledger. Each service runs in one transaction, checks who may do it
(role, and for an enterprise officer that the record is their enterprise's: another
enterprise's record is a 404, as if it did not exist), and emits its events.

Locks: the hidden danger or permit row first, then the enterprise's colour row
(enterprise_colour_recompute), never the other way round.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import secrets
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from procrastinate import exceptions as job_errors
from procrastinate.contrib.django import app as jobs
from simple_history.utils import bulk_create_with_history

import stream
from core.errors import DomainError
from core.models import Event
from core.roles import ENTERPRISE_OFFICER, SAFETY_SUPERVISOR, has_role, require_role
from core.text import find_unstorable
from hazards.models import Enterprise, RiskSource
from resources.events import ACCOUNT_CHANGED
from safety import events, photos, rules, selectors
from safety.models import (
    Certificate,
    ColourChange,
    EnterpriseColour,
    EnterpriseMembership,
    GasTest,
    HiddenDanger,
    HiddenDangerPhoto,
    HiddenDangerStep,
    InspectionDraw,
    PermitAlarmAction,
    RiskPoint,
    SafetyCommitment,
    SafetyManager,
    WorkPermit,
)

SAFETY_WRITERS = {SAFETY_SUPERVISOR, ENTERPRISE_OFFICER}


# --- who may write what ------------------------------------------------------------------

def _enterprise_for(actor, enterprise_id) -> Enterprise:
    """The enterprise `actor` may write for: any for a supervisor, their own for an officer."""
    require_role(actor, SAFETY_WRITERS, _("Only park safety supervisors and enterprise safety officers keep the ledger."))
    enterprise = selectors.enterprises_visible_to(actor).filter(pk=enterprise_id).first()
    if enterprise is None:
        raise DomainError(_("No enterprise %(id)s.") % {"id": enterprise_id}, status=404)
    return enterprise


def _locked(model, queryset, actor, pk):
    require_role(actor, SAFETY_WRITERS, _("Only park safety supervisors and enterprise safety officers keep the ledger."))
    row = queryset.select_for_update(of=("self",)).filter(pk=pk).first()
    if row is None:
        raise DomainError(_("No %(what)s %(id)s.") % {"what": model._meta.verbose_name, "id": pk}, status=404)
    return row


def _wrong_state(row, step) -> DomainError:
    return DomainError(_("This %(what)s is %(state)s: “%(step)s” does not apply now.") % {
        "what": row._meta.verbose_name, "state": row.get_state_display(), "step": step}, status=409)


# --- hidden dangers ------------------------------------------------------------------------

@transaction.atomic
def hidden_danger_report(*, actor, enterprise_id: int, title: str, deadline: dt.datetime, description: str = "",
                         location: str = "", level: str = "general", criteria: list[str] | None = None,
                         external_id: str | None = None, allow_past_deadline: bool = False,
                         inspection: int | None = None) -> HiddenDanger:
    """Record a hidden danger. `inspection` links one found by a supervisor in a random
    inspection (双随机) to its draw; the enterprise must be one that draw chose."""
    enterprise = _enterprise_for(actor, enterprise_id)
    draw = None
    if inspection is not None:
        require_role(actor, {SAFETY_SUPERVISOR}, _("Only park safety supervisors record inspection findings."))
        draw = InspectionDraw.objects.filter(pk=inspection).first()
        if draw is None:
            raise DomainError(_("No inspection draw %(id)s.") % {"id": inspection}, status=404)
        if not draw.enterprises.filter(pk=enterprise.pk).exists():
            raise DomainError(_("%(name)s was not drawn in inspection draw %(id)s.") % {
                "name": enterprise.name, "id": draw.pk})
    criteria = sorted(set(criteria or []))
    unknown = [c for c in criteria if c not in rules.criteria_codes()]
    if unknown:
        raise DomainError(_("Unknown major hidden danger criteria: %(codes)s (see /api/v1/hidden-danger-criteria/).")
                          % {"codes": ", ".join(unknown)})
    if level not in HiddenDanger.Level.values:
        raise DomainError(_("The level must be general or major."))
    if not (title or "").strip():
        raise DomainError(_("Give the hidden danger a title."))
    if deadline is None:
        raise DomainError(_("Give a deadline for the rectification."))
    if deadline <= timezone.now() and not allow_past_deadline:
        raise DomainError(_("The deadline must be in the future."))
    problem = find_unstorable({"title": title, "description": description, "location": location,
                               "external_id": external_id or ""})
    if problem:
        raise DomainError(problem)
    try:
        with transaction.atomic():  # a savepoint: a duplicate external id is a 409, not a broken transaction
            hidden_danger = HiddenDanger.objects.create(
                enterprise=enterprise, title=title.strip(), description=description, location=location,
                level=rules.hidden_danger_level(level, criteria), criteria=criteria, deadline=deadline,
                reported_by=actor, external_id=external_id or None, inspection=draw)
    except IntegrityError:
        raise DomainError(_("%(name)s already has a hidden danger with external id “%(id)s”.") % {
            "name": enterprise.name, "id": external_id}, status=409) from None
    note = _("Reported as %(level)s.") % {"level": hidden_danger.get_level_display()}
    if draw is not None:
        note += " " + _("Found in inspection draw %(id)s (双随机).") % {"id": draw.pk}
    _step(hidden_danger, actor, "reported", note)
    _schedule_overdue(hidden_danger)
    stream.publish(events.HIDDEN_DANGER_REPORTED, hidden_danger, "reported")
    enterprise_colour_recompute(enterprise_id=enterprise.pk, reason="hidden_danger.reported")
    return hidden_danger


@transaction.atomic
def hidden_danger_plan(*, actor, hidden_danger_id: int, measures: str = "", responsible: str = "",
                       funds_cny=None, deadline: dt.datetime | None = None, contingency: str = "") -> HiddenDanger:
    """Record the rectification plan; a major hidden danger needs all five of 五到位."""
    hd = _locked(HiddenDanger, selectors.hidden_dangers_visible_to(actor), actor, hidden_danger_id)
    target = rules.hidden_danger_next(hd.state, "plan")
    if target is None:
        raise _wrong_state(hd, _("rectification plan"))
    plan = {"measures": (measures or "").strip(), "responsible": (responsible or "").strip(), "funds_cny": funds_cny,
            "deadline": deadline, "contingency": (contingency or "").strip()}
    missing = rules.missing_five(hd.level, plan)
    if missing:
        raise DomainError(_("A major hidden danger needs all five of 五到位 (measures, responsible person, funds, "
                            "deadline, contingency plan); missing: %(missing)s.") % {"missing": ", ".join(missing)}
                          if hd.level == "major" else _("Give the rectification measures."),
                          data={"missing": missing})
    if funds_cny is not None:
        try:
            funds_cny = Decimal(str(funds_cny))
        except InvalidOperation:
            raise DomainError(_("Funds must be an amount in CNY.")) from None
        if funds_cny < 0 or funds_cny >= Decimal("1e12"):
            raise DomainError(_("Funds must be an amount in CNY between 0 and 999,999,999,999."))
    # Within the minute is the same deadline: the page's form can say no finer than minutes.
    moved = deadline is not None and abs(deadline - hd.deadline) >= dt.timedelta(minutes=1)
    if moved and deadline <= timezone.now():
        raise DomainError(_("The rectification deadline must be in the future."))
    if moved and not deadline_movable_by(actor, hd):
        # Issue 22: an enterprise's plan dated 2999-12-31 erased the park's overdue flag and its
        # colour factor. The park's deadline, or any deadline already passed, stays until a
        # park supervisor approves a new one (hidden_danger_deadline_set).
        raise DomainError(_("The rectification deadline %(deadline)s was set by the park or has passed: only a "
                            "park safety supervisor can approve a new one. Keep the deadline in the plan, or ask "
                            "the park.") % {"deadline": timezone.localtime(hd.deadline).strftime("%Y-%m-%d %H:%M")},
                          status=409, data={"deadline": hd.deadline})
    hd.measures, hd.responsible, hd.contingency = plan["measures"], plan["responsible"], plan["contingency"]
    hd.funds_cny = funds_cny
    if moved:
        hd.deadline, hd.overdue_flagged_at = deadline, None
    hd.state = target
    hd.save()
    _step(hd, actor, "plan", plan["measures"])
    if moved:
        _schedule_overdue(hd)
    stream.publish(events.HIDDEN_DANGER_UPDATED, hd, "plan")
    enterprise_colour_recompute(enterprise_id=hd.enterprise_id, reason="hidden_danger.plan")
    return hd


def deadline_set_by_park(hd: HiddenDanger) -> bool:
    """A park supervisor reported it (an inspection finding too) or approved its deadline."""
    return (hd.inspection_id is not None or has_role(hd.reported_by, {SAFETY_SUPERVISOR})
            or hd.steps.filter(action="deadline").exists())


def deadline_movable_by(actor, hd: HiddenDanger) -> bool:
    """Who may move a deadline: a park supervisor always; an enterprise officer only their own
    finding's deadline, and only while it has not passed (an overdue flag is the park's)."""
    if has_role(actor, {SAFETY_SUPERVISOR}):
        return True
    if hd.overdue_flagged_at is not None or hd.deadline <= timezone.now():
        return False
    return not deadline_set_by_park(hd)


@transaction.atomic
def hidden_danger_deadline_set(*, actor, hidden_danger_id: int, deadline: dt.datetime, note: str = "") -> HiddenDanger:
    """A park supervisor approves a new rectification deadline (延期审批): the overdue flag is
    lifted only now, and the step records who approved it and why."""
    if not has_role(actor, {SAFETY_SUPERVISOR}):
        if selectors.hidden_dangers_visible_to(actor).filter(pk=hidden_danger_id).exists():
            raise DomainError(_("Only a park safety supervisor approves a new rectification deadline."), status=403)
        raise DomainError(_("No hidden danger %(id)s.") % {"id": hidden_danger_id}, status=404)
    hd = _locked(HiddenDanger, selectors.hidden_dangers_visible_to(actor), actor, hidden_danger_id)
    if hd.state == rules.HD.CLOSED:
        raise _wrong_state(hd, _("new deadline"))
    if deadline is None or deadline <= timezone.now():
        raise DomainError(_("The rectification deadline must be in the future."))
    if not (note or "").strip():
        raise DomainError(_("Say why the deadline moves."))
    before = hd.deadline
    hd.deadline, hd.overdue_flagged_at = deadline, None
    hd.save(update_fields=["deadline", "overdue_flagged_at"])
    _step(hd, actor, "deadline", _("Deadline %(before)s → %(after)s approved by the park: %(note)s") % {
        "before": timezone.localtime(before).strftime("%Y-%m-%d %H:%M"),
        "after": timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M"), "note": note.strip()})
    _schedule_overdue(hd)
    stream.publish(events.HIDDEN_DANGER_UPDATED, hd, "deadline")
    enterprise_colour_recompute(enterprise_id=hd.enterprise_id, reason="hidden_danger.deadline")
    return hd


@transaction.atomic
def hidden_danger_rectified(*, actor, hidden_danger_id: int, note: str = "") -> HiddenDanger:
    hd = _locked(HiddenDanger, selectors.hidden_dangers_visible_to(actor), actor, hidden_danger_id)
    target = rules.hidden_danger_next(hd.state, "rectified")
    if target is None:
        raise _wrong_state(hd, _("rectified"))
    hd.state, hd.rectified_by = target, actor
    hd.save(update_fields=["state", "rectified_by"])
    _step(hd, actor, "rectified", note)
    stream.publish(events.HIDDEN_DANGER_UPDATED, hd, "rectified")
    return hd


@transaction.atomic
def hidden_danger_verify(*, actor, hidden_danger_id: int, accepted: bool, note: str = "") -> HiddenDanger:
    """The acceptance check (验收): a supervisor other than the one who rectified it closes it
    (销号), or sends it back to rectification."""
    if not has_role(actor, {SAFETY_SUPERVISOR}):
        # An officer may see it but never verify their own enterprise's work.
        if selectors.hidden_dangers_visible_to(actor).filter(pk=hidden_danger_id).exists():
            raise DomainError(_("Only a park safety supervisor verifies a rectification."), status=403)
        raise DomainError(_("No hidden danger %(id)s.") % {"id": hidden_danger_id}, status=404)
    hd = _locked(HiddenDanger, selectors.hidden_dangers_visible_to(actor), actor, hidden_danger_id)
    target = rules.hidden_danger_next(hd.state, "verify", accepted=accepted)
    if target is None:
        raise _wrong_state(hd, _("verification"))
    if hd.rectified_by_id == actor.pk:
        raise DomainError(_("You reported this hidden danger rectified: someone else must verify it."), status=403)
    if not accepted and not (note or "").strip():
        raise DomainError(_("Say why the rectification is not accepted."))
    hd.state = target
    hd.closed_at = timezone.now() if target == rules.HD.CLOSED else None
    hd.save(update_fields=["state", "closed_at"])
    _step(hd, actor, "verified" if accepted else "rejected", note)
    stream.publish(events.HIDDEN_DANGER_UPDATED, hd, "closed" if accepted else "rejected")
    enterprise_colour_recompute(enterprise_id=hd.enterprise_id, reason="hidden_danger.verify")
    return hd


@transaction.atomic
def hidden_danger_flag_overdue(*, hidden_danger_id: int) -> bool:
    """The durable job at the deadline: flag it once per deadline, with a 督办 entry. Returns
    whether it flagged (False if closed, not due yet, or already flagged)."""
    hd = HiddenDanger.objects.select_for_update(of=("self",)).select_related("enterprise").filter(
        pk=hidden_danger_id).first()
    if hd is None or hd.state == rules.HD.CLOSED or hd.deadline > timezone.now() or hd.overdue_flagged_at:
        return False
    hd.overdue_flagged_at = timezone.now()
    hd.save(update_fields=["overdue_flagged_at"])
    _step(hd, None, "overdue", _("督办: past its deadline of %(deadline)s and not closed.") % {
        "deadline": timezone.localtime(hd.deadline).strftime("%Y-%m-%d %H:%M")})
    stream.publish(events.HIDDEN_DANGER_OVERDUE, hd, "overdue")
    enterprise_colour_recompute(enterprise_id=hd.enterprise_id, reason="hidden_danger.overdue")
    return True


MAX_PHOTOS = 10


def hidden_danger_photo_add(*, actor, hidden_danger_id: int, upload) -> HiddenDangerPhoto:
    """Add a photo, its EXIF/XMP (GPS) stripped (safety.photos). A refused file is recorded on the
    timeline and counts toward the cap of MAX_PHOTOS (issue 22): refusals cost the sender, so
    nobody can make the server decode bomb after bomb for free."""
    try:
        return _photo_add(actor, hidden_danger_id, upload)
    except photos.PhotoRefused as refused:
        _photo_refused(actor, hidden_danger_id, refused)
        raise


@transaction.atomic
def _photo_add(actor, hidden_danger_id: int, upload) -> HiddenDangerPhoto:
    # The row lock also queues a hidden danger's parallel uploads: one decode at a time each.
    hd = _locked(HiddenDanger, selectors.hidden_dangers_visible_to(actor), actor, hidden_danger_id)
    if hd.state == rules.HD.CLOSED:
        raise _wrong_state(hd, _("add a photo"))
    if hd.photos.count() + hd.steps.filter(action="photo_refused").count() >= MAX_PHOTOS:
        raise DomainError(_("At most %(n)d photos per hidden danger (refused files count too).") % {"n": MAX_PHOTOS},
                          status=409)
    info = photos.check_image(upload)
    photo = HiddenDangerPhoto(hidden_danger=hd, token=info["token"], extension=info["extension"],
                              content_type=info["content_type"], size=info["size"], width=info["width"],
                              height=info["height"], uploaded_by=actor)
    photo.file.save(f"{info['token']}.{info['extension']}", ContentFile(info["data"]), save=False)
    # The file is on disk before the row commits: a rollback leaves an orphan file, never a row without one.
    photo.save()
    _step(hd, actor, "photo", "")
    stream.publish(events.HIDDEN_DANGER_UPDATED, hd, "photo")
    return photo


@transaction.atomic
def _photo_refused(actor, hidden_danger_id: int, refused: DomainError) -> None:
    hd = selectors.hidden_dangers_visible_to(actor).select_for_update(of=("self",)).filter(pk=hidden_danger_id).first()
    if hd is not None:
        _step(hd, actor, "photo_refused", str(refused.message))


IMPORT_LOCK = 22_160  # pg_advisory_xact_lock(IMPORT_LOCK, enterprise id): one import per enterprise at a time


@transaction.atomic
def hidden_dangers_import(*, actor, enterprise_id: int, rows: list[dict]) -> dict:
    """Import from an enterprise's own system, idempotent on its external id: a row seen before
    (in the ledger or earlier in the same file) is left as it is. All rows or none: a bad row
    aborts the import, naming its line (`errors` lists up to 50 of them).

    Imported rows are history, not news (issue 22): one `hidden_danger.imported` event for the
    whole file reaches the park's supervisors and the enterprise, never the consoles. A row
    already past its deadline is recorded as overdue at once (its 督办 step says it came so)
    without the console banner that a deadline passing under the park's eyes rings. Written in
    bulk: 5,000 rows take seconds, not the minute and a half that timed out behind nginx.
    """
    enterprise = _enterprise_for(actor, enterprise_id)
    with connection.cursor() as cursor:
        # Parallel imports of one file wait here, then find its rows: "unchanged", not a 500 on
        # the unique (enterprise, external_id) constraint.
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [IMPORT_LOCK, enterprise.pk])
    now = timezone.now()
    ids = [str(row.get("external_id") or "").strip() for row in rows]
    seen = set(HiddenDanger.objects.filter(enterprise=enterprise, external_id__in=[i for i in ids if i])
               .values_list("external_id", flat=True))
    codes = set(rules.criteria_codes())
    errors, new, unchanged = [], [], 0
    for number, (external_id, row) in enumerate(zip(ids, rows, strict=True), start=1):
        problem = _import_row_problem(row, external_id, codes)
        if problem:
            errors.append(_("Row %(n)d: %(error)s") % {"n": number, "error": problem})
            continue
        if external_id in seen:
            unchanged += 1
            continue
        seen.add(external_id)
        criteria = sorted(set(row.get("criteria") or []))
        new.append(HiddenDanger(
            enterprise=enterprise, title=str(row["title"]).strip(), description=str(row.get("description") or ""),
            location=str(row.get("location") or ""), level=rules.hidden_danger_level(row.get("level") or "general",
                                                                                      criteria),
            criteria=criteria, deadline=row["deadline"], reported_by=actor, reported_at=now, external_id=external_id,
            overdue_flagged_at=now if row["deadline"] <= now else None))
    if errors:
        raise DomainError(errors[0], data={"errors": errors[:50], "error_count": len(errors)})
    created = bulk_create_with_history(new, HiddenDanger, default_user=actor, default_date=now)
    if len(created) != len(new) or any(hd.pk is None for hd in created):  # not on PostgreSQL: fetch the ids
        created = list(HiddenDanger.objects.filter(enterprise=enterprise, external_id__in=[hd.external_id for hd in new]))
    steps, overdue = [], 0
    for hd in created:
        steps.append(HiddenDangerStep(hidden_danger=hd, action="reported", state=hd.state, actor=actor, at=now,
                                      note=_("Imported from the enterprise's own system (external id %(id)s) as "
                                             "%(level)s.") % {"id": hd.external_id, "level": hd.get_level_display()}))
        if hd.overdue_flagged_at:
            overdue += 1
            steps.append(HiddenDangerStep(
                hidden_danger=hd, action="overdue", state=hd.state, actor=None, at=now,
                note=_("督办: imported already past its deadline of %(deadline)s and not closed.") % {
                    "deadline": timezone.localtime(hd.deadline).strftime("%Y-%m-%d %H:%M")}))
    HiddenDangerStep.objects.bulk_create(steps)
    _schedule_overdue_many([hd for hd in created if not hd.overdue_flagged_at])
    result = {"created": len(created), "unchanged": unchanged, "overdue": overdue,
              "major": sum(1 for hd in created if hd.level == "major")}
    if created:
        stream.publish(events.HIDDEN_DANGER_IMPORTED, enterprise, result)
        enterprise_colour_recompute(enterprise_id=enterprise.pk, reason="hidden_danger.imported")
    return result


def _import_row_problem(row: dict, external_id: str, codes: set[str]) -> str | None:
    """What is wrong with one import row, in words a person can fix, or None."""
    if not external_id:
        return _("external_id is missing.")
    if not str(row.get("title") or "").strip():
        return _("Give the hidden danger a title.")
    if (row.get("level") or "general") not in HiddenDanger.Level.values:
        return _("The level must be general or major.")
    unknown = sorted(set(row.get("criteria") or []) - codes)
    if unknown:
        return _("Unknown major hidden danger criteria: %(codes)s (see /api/v1/hidden-danger-criteria/).") % {
            "codes": ", ".join(unknown)}
    if row.get("deadline") is None:
        return _("Give a deadline for the rectification.")
    text = find_unstorable({k: row.get(k) for k in ("external_id", "title", "description", "location")})
    if text:
        return text
    return None


def _step(hd: HiddenDanger, actor, action: str, note: str) -> None:
    HiddenDangerStep.objects.create(hidden_danger=hd, action=action, state=hd.state, note=note or "", actor=actor)


def _schedule_overdue(hd: HiddenDanger) -> None:
    # Deferred in this transaction: a rollback cancels it, a crash after commit cannot drop it.
    flag_overdue_hidden_danger.configure(schedule_at=max(hd.deadline, timezone.now())).defer(hidden_danger_id=hd.pk)


def _schedule_overdue_many(hidden_dangers: list[HiddenDanger]) -> None:
    """The overdue jobs of an import: one job per minute in which deadlines fall, scheduled at
    the end of that minute (never before a deadline: the job would find it not due). 5,000 rows
    queue as many jobs as they have distinct minutes, not 5,000 INSERTs."""
    by_minute: dict[dt.datetime, list[int]] = {}
    for hd in hidden_dangers:
        minute = hd.deadline.replace(second=0, microsecond=0)
        if minute < hd.deadline:
            minute += dt.timedelta(minutes=1)
        by_minute.setdefault(minute, []).append(hd.pk)
    for minute, pks in sorted(by_minute.items()):
        flag_overdue_hidden_dangers.configure(schedule_at=max(minute, timezone.now())).defer(hidden_danger_ids=pks)


# --- where on the site ---------------------------------------------------------------------

SITE_RADIUS_M = 1000  # an enterprise without a drawn boundary: this far from its location is its site


def _on_site(enterprise: Enterprise, location: Point | None, what: str) -> None:
    """A permit's or risk point's location lies on the enterprise's own site (issue 22: an E03
    officer put a red risk point on E01's site, and one at [0, 0]): inside the drawn boundary,
    or within SITE_RADIUS_M of the enterprise's location where none is drawn."""
    if location is None:
        return
    if abs(location.x) < 1e-9 and abs(location.y) < 1e-9:
        raise DomainError(_("The %(what)s's location is [0, 0]: place it on %(name)s's site.") % {
            "what": what, "name": enterprise.name})
    if enterprise.site is not None:
        if not enterprise.site.intersects(Point(location.x, location.y, srid=4326)):
            raise DomainError(_("The %(what)s's location lies outside %(name)s's site boundary.") % {
                "what": what, "name": enterprise.name})
        return
    distance = _metres(location, enterprise.location)
    if distance > SITE_RADIUS_M:
        raise DomainError(_("The %(what)s's location is %(d)d m from %(name)s; it must lie on its site (within "
                            "%(max)d m).") % {"what": what, "d": round(distance), "name": enterprise.name,
                                              "max": SITE_RADIUS_M})


def _metres(a: Point, b: Point) -> float:
    """Great-circle distance (haversine), plenty for a site a few hundred metres across."""
    lon1, lat1, lon2, lat2 = map(math.radians, (a.x, a.y, b.x, b.y))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_000 * math.asin(min(1.0, math.sqrt(h)))


# --- risk points -------------------------------------------------------------------------

@transaction.atomic
def risk_point_assess(*, actor, enterprise_id: int, name: str, location: Point, method: str, likelihood: float,
                      exposure: float | None = None, consequence: float | None = None,
                      severity: float | None = None, controls: str = "") -> RiskPoint:
    enterprise = _enterprise_for(actor, enterprise_id)
    if not (name or "").strip():
        raise DomainError(_("Give the risk point a name."))
    _on_site(enterprise, location, _("risk point"))
    try:
        score = rules.risk_score(method, likelihood=likelihood, exposure=exposure, consequence=consequence,
                                 severity=severity)
    except ValueError as exc:
        raise DomainError(str(exc)) from None
    point = RiskPoint.objects.create(
        enterprise=enterprise, name=name.strip(), location=location, method=method, likelihood=likelihood,
        exposure=exposure if method == "LEC" else None, consequence=consequence if method == "LEC" else None,
        severity=severity if method == "LS" else None, score=score, colour=rules.risk_colour(method, score),
        controls=controls)
    enterprise_colour_recompute(enterprise_id=enterprise.pk, reason="risk_point.assessed")
    return point


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
                       description: str = "") -> WorkPermit:
    enterprise = _enterprise_for(actor, enterprise_id)
    if kind not in WorkPermit.Kind.values:
        raise DomainError(_("Unknown kind of special work “%(kind)s”.") % {"kind": kind})
    _on_site(enterprise, location, _("work permit"))
    breaches = rules.permit_window_breaches(kind, grade or None, valid_from, valid_to)
    now = timezone.now()
    if valid_to <= now and valid_to > valid_from:
        # Issue 22: a permit wholly in the past was accepted and sat in 已提交 forever. A permit
        # authorises work to come; work already done is recorded elsewhere.
        breaches.insert(0, rules.Breach("valid_to > now", _(
            "The permit's validity ended at %(end)s, before now: a permit is for work to come. Correct the dates.")
            % {"end": timezone.localtime(valid_to).strftime("%Y-%m-%d %H:%M")}))
    for test in gas_tests or []:
        breaches += rules.gas_test_breaches(kind, test, now=now, toxic_limit_ppm=toxic_limit_ppm)
    if breaches:
        raise _refuse(breaches)
    if toxic_limit_ppm is not None and toxic_limit_ppm <= 0:
        raise DomainError(_("The toxic gas limit must be above zero."))
    permit = WorkPermit.objects.create(
        enterprise=enterprise, kind=kind, grade=grade or "", place=place, location=location or enterprise.location,
        valid_from=valid_from, valid_to=valid_to, toxic_limit_ppm=toxic_limit_ppm, description=description,
        created_by=actor)
    for test in gas_tests or []:
        GasTest.objects.create(permit=permit, passed=True, recorded_by=actor, **_test_fields(test))
    stream.publish(events.WORK_PERMIT_UPDATED, permit, "submitted")
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
    latest = permit.gas_tests.order_by("-at", "-id").first()
    breaches = rules.start_breaches(permit.kind, latest.as_rule_input() if latest else None, at=now,
                                    valid_from=permit.valid_from, valid_to=permit.valid_to,
                                    toxic_limit_ppm=permit.toxic_limit_ppm)
    if breaches:
        raise _refuse(breaches)
    permit.state = target
    if step == "start":
        permit.started_at = now
    permit.save(update_fields=["state", "started_at"])
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
    if any(b.rule == "gas_test.at <= now" for b in breaches):
        raise _refuse(breaches)
    gas_test = GasTest.objects.create(permit=permit, passed=not breaches, recorded_by=actor, **_test_fields(test))
    if breaches and permit.state == rules.WP.IN_PROGRESS:
        permit.state = rules.permit_next(permit.state, "suspend")
        permit.save(update_fields=["state"])
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

    payload = event.payload or {}
    if payload.get("exercise") or payload.get("change") not in ("raised", "escalated"):
        return
    if payload.get("level") in ("offline", "fault"):
        return
    point = payload.get("point") or {}
    places = [c for c in ((payload.get("location") or {}).get("coordinates"), point.get("location")) if c]
    if not places:
        return
    near = None
    for lon, lat in places:
        q = Q(location__dwithin=(Point(lon, lat, srid=4326), D(m=rules.ALARM_STOP_RADIUS_M)))
        near = q if near is None else near | q
    now = timezone.now()
    in_force = (Q(state__in=[rules.WP.IN_PROGRESS, rules.WP.SUSPENDED])
                | Q(state=rules.WP.SUBMITTED, valid_from__lte=now, valid_to__gt=now))
    permits = list(WorkPermit.objects.select_for_update(of=("self",)).select_related("enterprise")
                   .filter(near, in_force).exclude(alarm_actions__alarm_id=payload.get("id")).order_by("pk"))
    source = payload.get("risk_source") or {}
    for permit in permits:
        metres = round(_metres_to_nearest(permit.location, places))
        stop = permit.kind in rules.ALARM_STOP_KINDS and permit.state == rules.WP.IN_PROGRESS
        if stop:
            permit.state = rules.permit_next(permit.state, "suspend")
            permit._change_reason = f"alarm #{payload.get('id')}"
            permit.save(update_fields=["state"])
        PermitAlarmAction.objects.create(
            permit=permit, alarm_id=payload["id"], point_id=point.get("id") or 0, point_code=point.get("code", "")[:64],
            point_name=(point.get("name") or "")[:200], level=payload.get("level", "")[:8], distance_m=metres,
            risk_source=" ".join(filter(None, [source.get("code"), source.get("name")]))[:300],
            action=PermitAlarmAction.Action.SUSPENDED if stop else PermitAlarmAction.Action.WARNED,
            rule=rules.ALARM_STOP_RULE)
        stream.publish(events.WORK_PERMIT_UPDATED, permit, "suspended" if stop else "alarm_nearby",
                       rules.ALARM_STOP_RULE,
                       {"id": payload["id"], "point": point.get("code"), "level": payload.get("level"),
                        "distance_m": metres, "risk_source": source.get("code")})


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


# --- daily safety commitment ------------------------------------------------------------

@transaction.atomic
def commitment_file(*, actor, enterprise_id: int, units_running: int, units_stopped: int, risk_level: str,
                    special_work: int = 0, trial_runs: int = 0, startups_shutdowns: int = 0,
                    major_hidden_dangers: int | None = None, note: str = "") -> SafetyCommitment:
    """Today's commitment (安全承诺); filing again the same day replaces it."""
    enterprise = _enterprise_for(actor, enterprise_id)
    if risk_level not in rules.COLOURS:
        raise DomainError(_("The day's risk level must be red, orange, yellow or blue."))
    numbers = {"units_running": units_running, "units_stopped": units_stopped, "special_work": special_work,
               "trial_runs": trial_runs, "startups_shutdowns": startups_shutdowns}
    for name, value in numbers.items():
        if value is None or value < 0 or value > 10_000:
            raise DomainError(_("%(field)s must be a whole number from 0 to 10000.") % {"field": name})
    if major_hidden_dangers is None:
        major_hidden_dangers = selectors.open_hidden_dangers().filter(enterprise=enterprise, level="major").count()
    today = timezone.localdate()
    commitment, _created = SafetyCommitment.objects.update_or_create(
        enterprise=enterprise, date=today,
        defaults={**numbers, "risk_level": risk_level, "major_hidden_dangers": major_hidden_dangers, "note": note,
                  "committed_by": actor, "committed_at": timezone.now()})
    stream.publish(events.COMMITMENT_UPDATED, enterprise, today, "filed")
    enterprise_colour_recompute(enterprise_id=enterprise.pk, reason="commitment.filed")
    return commitment


@transaction.atomic
def commitments_flag_missing() -> list[int]:
    """The job after the due hour: recolour enterprises that have not filed today, tell them
    and the supervisors once a day. Returns the enterprises flagged now."""
    if not selectors.commitment_due_passed():
        return []
    today = timezone.localdate()
    flagged = []
    for enterprise in Enterprise.objects.filter(in_chemical_park=True).exclude(commitments__date=today):
        enterprise_colour_recompute(enterprise_id=enterprise.pk, reason="commitment.missing")
        told = Event.objects.filter(type=events.COMMITMENT_UPDATED.name, payload__change="missing",
                                    payload__enterprise__id=enterprise.pk, payload__date=today.isoformat())
        if not told.exists():
            stream.publish(events.COMMITMENT_UPDATED, enterprise, today, "missing")
        flagged.append(enterprise.pk)
    return flagged


# --- the enterprise's colour --------------------------------------------------------------

@transaction.atomic
def enterprise_colour_recompute(*, enterprise_id: int, reason: str = "") -> EnterpriseColour | None:
    """Recompute the colour from its inputs (safety.rules.enterprise_colour); on a change, keep
    the history and tell the supervisors and the enterprise."""
    enterprise = Enterprise.objects.filter(pk=enterprise_id).first()
    if enterprise is None:
        return None
    # The factors' text is stored and shown to everyone: written in the park's language, not in
    # that of whoever (or whichever job) happened to change an input. Otherwise the same colour
    # would flap between languages and the history would record changes that are none.
    with translation.override(settings.LANGUAGE_CODE):
        colour, factors = rules.enterprise_colour(selectors.colour_inputs(enterprise_id))
    try:
        with transaction.atomic():
            current, created = EnterpriseColour.objects.get_or_create(
                enterprise=enterprise, defaults={"colour": colour, "factors": factors})
    except IntegrityError:  # another transaction created it first
        current, created = EnterpriseColour.objects.get(enterprise=enterprise), False
    current = EnterpriseColour.objects.select_for_update().get(pk=current.pk)
    previous = "" if created else current.colour
    if created or current.colour != colour or current.factors != factors:
        current.colour, current.factors, current.computed_at = colour, factors, timezone.now()
        current.save()
    if created or previous != colour:
        ColourChange.objects.create(enterprise=enterprise, colour=colour, previous=previous, factors=factors,
                                    reason=reason)
        stream.publish(events.ENTERPRISE_COLOUR_CHANGED, current, previous)
    return current


def enterprise_colour_recompute_later(*, enterprise_id: int, reason: str, at: dt.datetime | None = None) -> None:
    """Defer the recompute as a durable job in the caller's transaction: it commits with the
    change (or not at all). `at`: when a time-driven input turns (a certificate expiring, a
    gas re-test falling due). Without `at`, one queued job per enterprise is enough
    (procrastinate's queueing lock): an alarm storm queues one recompute, not hundreds."""
    if at is not None:
        recompute_colour.configure(schedule_at=at).defer(enterprise_id=enterprise_id, reason=reason)
        return
    try:
        with transaction.atomic():  # a refused duplicate must not abort the caller's transaction
            recompute_colour.configure(queueing_lock=f"safety.colour.{enterprise_id}").defer(
                enterprise_id=enterprise_id, reason=reason)
    except job_errors.AlreadyEnqueued:
        pass  # a queued recompute has not started yet: it will read this change too


def colour_input_event(event) -> None:
    """core.events subscriber (safety.events): a monitoring alarm was raised, escalated,
    cleared... on a risk source of an enterprise. Safety and monitoring are sibling layers, so
    this reacts to the event rather than to an import. Exercise alarms never colour an
    enterprise (issue 14): they are not even looked at."""
    payload = event.payload or {}
    if payload.get("exercise"):
        return
    source_id = (payload.get("risk_source") or {}).get("id")
    if source_id is None:  # a point on no risk source belongs to no enterprise
        return
    enterprise_id = RiskSource.objects.filter(pk=source_id).values_list("enterprise_id", flat=True).first()
    if enterprise_id is not None:
        enterprise_colour_recompute_later(enterprise_id=enterprise_id,
                                          reason=f"{event.type}:{payload.get('change', '')}")


def risk_source_changed(sender, instance, **kwargs) -> None:
    """post_save of hazards.RiskSource (connected in SafetyConfig.ready): a regrade, a major
    hazard source added or moved to another enterprise recolours the enterprises concerned."""
    previous = getattr(instance, "_safety_enterprise_id", None)
    for enterprise_id in sorted({instance.enterprise_id, previous} - {None}):
        enterprise_colour_recompute(enterprise_id=enterprise_id, reason="risk_source.changed")


def risk_source_saving(sender, instance, update_fields=None, **kwargs) -> None:
    """pre_save: remember the enterprise it belonged to, so a move recolours the one it left too
    (a query per save, not per load: risk sources are read all the time and saved rarely)."""
    instance._safety_enterprise_id = None
    if instance.pk and (update_fields is None or "enterprise" in update_fields):
        instance._safety_enterprise_id = RiskSource.objects.filter(pk=instance.pk).values_list(
            "enterprise_id", flat=True).first()


def membership_saving(sender, instance, **kwargs) -> None:
    """pre_save of EnterpriseMembership: remember whose membership it was, so moving the row to
    another user re-checks both people's sockets."""
    instance._safety_previous_user_id = None
    if instance.pk:
        instance._safety_previous_user_id = EnterpriseMembership.objects.filter(pk=instance.pk).values_list(
            "user_id", flat=True).first()


def membership_changed(sender, instance, **kwargs) -> None:
    """post_save / post_delete of EnterpriseMembership (kept in the admin): `account.changed` for
    the officer, so every stream hub re-checks their sockets before its next frame. An officer
    moved to another enterprise kept hearing the old one's ledger for 10-14 s (issue 22), until
    the hub's periodic round."""
    for user_id in sorted({instance.user_id, getattr(instance, "_safety_previous_user_id", None)} - {None}):
        with transaction.atomic():
            stream.publish(ACCOUNT_CHANGED, {"user": user_id, "reason": "enterprise_membership"})


def colour_input_deleted(sender, instance, **kwargs) -> None:
    """post_delete of a risk source, risk point or certificate. A job, not a recompute here:
    inside an enterprise's own cascade delete a recompute would write rows being deleted."""
    enterprise_id = getattr(instance, "enterprise_id", None)
    if enterprise_id is None and isinstance(instance, Certificate):
        enterprise_id = SafetyManager.objects.filter(pk=instance.manager_id).values_list(
            "enterprise_id", flat=True).first()
    if enterprise_id is not None:
        enterprise_colour_recompute_later(enterprise_id=enterprise_id, reason=f"{sender._meta.model_name}.deleted")


def certificate_saved(sender, instance, **kwargs) -> None:
    """post_save of a safety manager's certificate (kept in the admin): recolour now, and again
    the moment it expires (the day after `expires_on`, local time)."""
    enterprise_id = SafetyManager.objects.filter(pk=instance.manager_id).values_list("enterprise_id", flat=True).first()
    if enterprise_id is None:
        return
    enterprise_colour_recompute(enterprise_id=enterprise_id, reason="certificate.saved")
    expires = timezone.make_aware(dt.datetime.combine(instance.expires_on + dt.timedelta(days=1), dt.time.min))
    if expires > timezone.now():
        enterprise_colour_recompute_later(enterprise_id=enterprise_id, reason="certificate.expired", at=expires)


def enterprise_colours_recompute_all(reason: str = "periodic") -> int:
    """Inputs that change with time alone (deadlines passing, alarms in another app) are
    caught by the periodic job calling this."""
    count = 0
    for enterprise_id in Enterprise.objects.values_list("pk", flat=True):
        enterprise_colour_recompute(enterprise_id=enterprise_id, reason=reason)
        count += 1
    return count


# --- random inspection draw (双随机) ------------------------------------------------------

@transaction.atomic
def inspection_draw(*, actor, count: int, inspectors: list[str] | None = None) -> InspectionDraw:
    """Draw `count` park enterprises at random, without replacement, weighted by colour
    (safety.rules.DRAW_WEIGHTS). The seed is stored so anyone can replay the draw."""
    require_role(actor, {SAFETY_SUPERVISOR}, _("Only park safety supervisors draw inspections."))
    candidates = list(Enterprise.objects.filter(in_chemical_park=True).select_related("safety_colour").order_by("pk"))
    if not 1 <= count <= len(candidates):
        raise DomainError(_("Draw between 1 and %(n)d enterprises.") % {"n": len(candidates)})
    seed = secrets.token_hex(8)
    chosen = weighted_draw(candidates, count, seed)
    draw = InspectionDraw.objects.create(drawn_by=actor, seed=seed, inspectors=list(inspectors or []))
    draw.enterprises.set(chosen)
    return draw


def weighted_draw(candidates: list, count: int, seed: str) -> list:
    rng = random.Random(seed)
    pool = list(candidates)
    chosen = []
    for _round in range(count):
        weights = [rules.DRAW_WEIGHTS.get(getattr(getattr(e, "safety_colour", None), "colour", "blue"), 1) for e in pool]
        pick = rng.choices(range(len(pool)), weights=weights, k=1)[0]
        chosen.append(pool.pop(pick))
    return chosen


# --- durable jobs (procrastinate) ---------------------------------------------------------
# Declared beside the services they run, so services defer them without importing
# safety.tasks (which re-exports them for procrastinate): no import loop.

@jobs.task(name="safety.flag_overdue_hidden_danger", queue="safety")
def flag_overdue_hidden_danger(hidden_danger_id: int) -> None:
    hidden_danger_flag_overdue(hidden_danger_id=hidden_danger_id)


@jobs.task(name="safety.flag_overdue_hidden_dangers", queue="safety")
def flag_overdue_hidden_dangers(hidden_danger_ids: list[int]) -> None:
    for hidden_danger_id in hidden_danger_ids:
        hidden_danger_flag_overdue(hidden_danger_id=hidden_danger_id)


@jobs.periodic(cron="*/10 * * * *")
@jobs.task(name="safety.check_commitments", queue="safety")
def check_commitments(timestamp: int) -> None:
    commitments_flag_missing()


@jobs.task(name="safety.recompute_colour", queue="safety")
def recompute_colour(enterprise_id: int, reason: str = "") -> None:
    enterprise_colour_recompute(enterprise_id=enterprise_id, reason=reason)


@jobs.periodic(cron="*/5 * * * *")
@jobs.task(name="safety.recompute_colours", queue="safety")
def recompute_colours(timestamp: int) -> None:
    enterprise_colours_recompute_all()
