"""Hidden dangers (隐患): reported, planned, rectified, verified, flagged overdue, with photos
and imports from an enterprise's own system."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.contrib.gis.geos import Point
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from procrastinate.contrib.django import app as jobs
from simple_history.utils import bulk_create_with_history

import stream
from core.errors import DomainError
from core.roles import ENTERPRISE_OFFICER, SAFETY_SUPERVISOR, has_role, require_role
from core.text import find_unstorable
from incidents.services import district_outside_by_m
from safety import events, photos, rules, selectors
from safety.models import (
    HiddenDanger,
    HiddenDangerPhoto,
    HiddenDangerStep,
    InspectionDraw,
)
from safety.services.base import _enterprise_for, _locked, _on_site, _wrong_state
from safety.services.colour import enterprise_colour_recompute

# --- hidden dangers ------------------------------------------------------------------------

@transaction.atomic
def hidden_danger_report(*, actor, enterprise_id: int, title: str, deadline: dt.datetime, description: str = "",
                         location: Point | str | None = None, place: str = "", level: str = "general",
                         criteria: list[str] | None = None, external_id: str | None = None,
                         allow_past_deadline: bool = False, inspection: int | None = None) -> HiddenDanger:
    """Record a hidden danger. `location` is its point on the map (issue 25.9), refused outside
    the district as an incident's is; `place` says where in words (a text `location`, as callers
    sent before the point existed, is taken as the place). `inspection` links one found by a
    supervisor in a random inspection (双随机) to its draw; the enterprise must be one that draw
    chose."""
    enterprise = _enterprise_for(actor, enterprise_id)
    if isinstance(location, str):
        place, location = place or location, None
    if location is not None:
        outside_m = district_outside_by_m(location)
        if outside_m:
            raise DomainError(_("The hidden danger's location (%(lon).5f, %(lat).5f) is %(km).1f km outside the "
                                "district: check the coordinates.") % {
                "lon": location.x, "lat": location.y, "km": outside_m / 1000},
                data={"field": "location", "outside_district_m": round(outside_m)})
        try:
            _on_site(enterprise, location, _("hidden danger"))
        except DomainError as exc:
            exc.data.setdefault("field", "location")
            raise
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
    problem = find_unstorable({"title": title, "description": description, "place": place,
                               "external_id": external_id or ""})
    if problem:
        raise DomainError(problem)
    try:
        with transaction.atomic():  # a savepoint: a duplicate external id is a 409, not a broken transaction
            hidden_danger = HiddenDanger.objects.create(
                enterprise=enterprise, title=title.strip(), description=description, place=place,
                location=location, level=rules.hidden_danger_level(level, criteria), criteria=criteria, deadline=deadline,
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
    """The acceptance check (验收) closes it (销号) or sends it back to rectification, by someone
    other than the one who reported it rectified. A general hidden danger is accepted by the
    enterprise itself (令16号; a park supervisor may too); a major one only by the park (issue 25.9)."""
    hd = _locked(HiddenDanger, selectors.hidden_dangers_visible_to(actor), actor, hidden_danger_id)
    if not verifiable_by(actor, hd):
        raise DomainError(_("A major hidden danger (重大隐患) is accepted and closed only by the park's safety "
                            "supervisor, not by the enterprise.") if hd.level == "major" else
                          _("Only the enterprise's safety officer or a park safety supervisor accepts a "
                            "rectification."), status=403)
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


def verifiable_by(actor, hd: HiddenDanger) -> bool:
    """Who may accept the rectification: the park for any; the enterprise's officer for a general one."""
    if has_role(actor, {SAFETY_SUPERVISOR}):
        return True
    return (hd.level != "major" and has_role(actor, {ENTERPRISE_OFFICER})
            and selectors.membership_enterprise_id(actor) == hd.enterprise_id)


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
            place=str(row.get("place") or row.get("location") or ""), level=rules.hidden_danger_level(row.get("level") or "general",
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
