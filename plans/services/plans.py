"""The planner's side: review, publish, new versions, retire, and actions import.

Only draft and under-review plans change; a published plan is frozen so that what was
activated on an incident stays what the planner published. A change means a new version.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import tabular
from core.errors import DomainError
from core.roles import PLANNER, require_role
from incidents.models import Severity
from plans.models import Action, Plan, PlanAttachment, PlanContact
from resources.models import Agency

ACTION_COLUMNS = ["level", "order", "title", "instructions", "responsible_agency", "responsible_role",
                  "time_limit_min"]


@transaction.atomic
def plan_submit_for_review(*, actor, plan_id: int) -> Plan:
    plan = _locked_plan(actor, plan_id)
    if plan.status != Plan.Status.DRAFT:
        raise DomainError(_("Only a draft can be submitted for review (this plan is %(s)s).")
                          % {"s": plan.get_status_display()}, status=409)
    _check_complete(plan)
    plan.status = Plan.Status.REVIEW
    plan._history_user = actor  # who submitted: the four-eyes check in plan_publish reads it back
    plan.save(update_fields=["status"])
    return plan


@transaction.atomic
def plan_publish(*, actor, plan_id: int) -> Plan:
    """Publish a reviewed plan; the version published before it is retired (and stays readable)."""
    plan = _locked_plan(actor, plan_id)
    if plan.status != Plan.Status.REVIEW:
        raise DomainError(_("Only a plan under review can be published (this plan is %(s)s).")
                          % {"s": plan.get_status_display()}, status=409)
    _check_complete(plan)
    if settings.PLAN_FOUR_EYES:
        submitter = _submitted_by(plan)
        if submitter is not None and submitter.pk == actor.pk:
            raise DomainError(_("You submitted %(code)s v%(v)s for review; another planner must approve and "
                                "publish it (four-eyes rule).") % {"code": plan.code, "v": plan.version},
                              status=403)
        editor = _edited_in_review_by(plan)
        if editor is not None and editor.pk == actor.pk:
            raise DomainError(_("You edited %(code)s v%(v)s during its review; another planner must approve and "
                                "publish your edit (four-eyes rule).") % {"code": plan.code, "v": plan.version},
                              status=403)
    for old in Plan.objects.select_for_update().filter(code=plan.code, status=Plan.Status.PUBLISHED):
        old.status = Plan.Status.RETIRED
        old.save(update_fields=["status"])
    plan.status = Plan.Status.PUBLISHED
    plan.published_at, plan.published_by = timezone.now(), actor
    plan.effective_date = plan.effective_date or timezone.localdate()
    plan.save(update_fields=["status", "published_at", "published_by", "effective_date"])
    return plan


EDITED_IN_REVIEW = "edited during review"


@transaction.atomic
def plan_edited(*, actor, plan_id: int) -> Plan:
    """`actor` changed the plan's content (the plan, a level, an action, a contact, a file).
    Under review, the change sends it back to draft (issue 22): what a second planner approves
    must be what was submitted, and the editor cannot then publish his own edit. A superuser's
    edit in the admin counts as one too (it is a change all the same)."""
    if getattr(actor, "is_superuser", False):
        plan = Plan.objects.select_for_update().filter(pk=plan_id).first()
        if plan is None:
            raise DomainError(_("No contingency plan %(id)s.") % {"id": plan_id}, status=404)
    else:
        plan = _locked_plan(actor, plan_id)
    _back_to_draft_if_in_review(plan, actor)
    return plan


def _back_to_draft_if_in_review(plan: Plan, actor) -> bool:
    if plan.status != Plan.Status.REVIEW:
        return False
    plan.status = Plan.Status.DRAFT
    plan._history_user = actor
    plan._change_reason = EDITED_IN_REVIEW
    plan.save(update_fields=["status"])
    return True


def _edited_in_review_by(plan):
    """The person whose edit last sent the plan back from review to draft, or None."""
    record = plan.history.filter(history_change_reason=EDITED_IN_REVIEW).order_by("-history_date", "-history_id") \
        .only("history_user").first()
    return record.history_user if record else None


def _submitted_by(plan):
    """The person who last moved the plan from draft to review (from its change history)."""
    records = list(plan.history.order_by("-history_date", "-history_id").only("status", "history_user"))
    for index, record in enumerate(records):
        if record.status != Plan.Status.REVIEW:
            continue
        before = records[index + 1] if index + 1 < len(records) else None
        if before is None or before.status != Plan.Status.REVIEW:
            return record.history_user
    return None


@transaction.atomic
def plan_retire(*, actor, plan_id: int) -> Plan:
    plan = _locked_plan(actor, plan_id)
    if plan.status != Plan.Status.PUBLISHED:
        raise DomainError(_("Only a published plan can be retired."), status=409)
    plan.status = Plan.Status.RETIRED
    plan.save(update_fields=["status"])
    return plan


@transaction.atomic
def plan_new_version(*, actor, plan_id: int) -> Plan:
    """A draft copy of a published or retired plan, with its levels, actions, contacts and files."""
    source = _locked_plan(actor, plan_id)
    if source.is_editable:
        raise DomainError(_("This version is still a draft; edit it instead of copying it."), status=409)
    pending = Plan.objects.filter(code=source.code, status__in=[Plan.Status.DRAFT, Plan.Status.REVIEW]).first()
    if pending:
        raise DomainError(_("Version %(v)s of %(code)s is already being drafted.")
                          % {"v": pending.version, "code": source.code}, status=409)
    latest = Plan.objects.filter(code=source.code).order_by("-version").values_list("version", flat=True)[0]
    copy = Plan.objects.get(pk=source.pk)
    copy.pk = None
    copy.version, copy.status, copy.previous = latest + 1, Plan.Status.DRAFT, source
    copy.published_at = copy.published_by = copy.effective_date = None
    copy.save()
    copy.incident_types.set(source.incident_types.all())
    copy.areas.set(source.areas.all())
    copy.enterprises.set(source.enterprises.all())
    copy.risk_sources.set(source.risk_sources.all())
    for level in source.levels.prefetch_related("actions"):
        actions = list(level.actions.all())
        level.pk, level.plan = None, copy
        level.save()
        for action in actions:
            action.pk, action.level = None, level
            action.save()
    for contact in PlanContact.objects.filter(plan=source):
        contact.pk, contact.plan = None, copy
        contact.save()
    for attachment in PlanAttachment.objects.filter(plan=source):
        attachment.pk, attachment.plan = None, copy
        attachment.save()
    return copy


def plan_actions_import(*, actor, plan_id: int, rows: list[dict]) -> tuple[int, list[str]]:
    """Add actions from rows (the export format). All or nothing: any bad row → nothing written,
    and one message per bad row. Returns (actions created, messages)."""
    with transaction.atomic():
        plan = _locked_plan(actor, plan_id)
        if not plan.is_editable:
            raise DomainError(_("Plan %(code)s v%(v)s is %(s)s and cannot change; make a new version.")
                              % {"code": plan.code, "v": plan.version, "s": plan.get_status_display()},
                              status=409)
        levels = {lv.level: lv for lv in plan.levels.all()}
        agencies = {a.code: a for a in Agency.objects.all()}
        errors, actions = [], []
        for number, row in enumerate(rows, start=2):
            try:
                actions.append(_action_from_row(row, levels, agencies))
            except ValueError as exc:
                errors.append(_("Row %(n)d: %(msg)s") % {"n": number, "msg": exc})
        if not rows:
            errors.append(_("The file has no rows."))
        if errors:
            return 0, errors
        Action.objects.bulk_create(actions)
        _back_to_draft_if_in_review(plan, actor)
        return len(actions), []


def parse_action_file(upload) -> list[dict]:
    """Rows of an uploaded .csv (UTF-8, with or without BOM) or .xlsx file."""
    values = tabular.upload_rows(upload)
    if not values:
        return []
    header = [h.strip() for h in values[0]]
    return [dict(zip(header, r, strict=False)) for r in values[1:] if any(v.strip() for v in r)]


# --- helpers -------------------------------------------------------------------------

def _action_from_row(row, levels, agencies) -> Action:
    level = (row.get("level") or "").strip().upper()
    if level not in Severity.values:
        raise ValueError(_("level must be I, II, III or IV (got “%(v)s”)") % {"v": level})
    if level not in levels:
        raise ValueError(_("the plan has no level %(v)s; add the level first") % {"v": level})
    title = (row.get("title") or "").strip()
    if not title:
        raise ValueError(_("the title is empty"))
    agency_code = (row.get("responsible_agency") or "").strip()
    if agency_code and agency_code not in agencies:
        raise ValueError(_("unknown agency code “%(v)s”") % {"v": agency_code})
    try:
        order = int(float(row.get("order") or 0))
        minutes = int(float(row.get("time_limit_min") or 0))
    except ValueError:
        raise ValueError(_("order and time_limit_min must be whole numbers")) from None
    if minutes <= 0 or order < 0:
        raise ValueError(_("time_limit_min must be above zero and order not negative"))
    return Action(level=levels[level], order=order, title=title[:200],
                  instructions=(row.get("instructions") or "").strip(),
                  responsible_agency=agencies.get(agency_code),
                  responsible_role=(row.get("responsible_role") or "").strip()[:100], time_limit_min=minutes)


def _locked_plan(actor, plan_id) -> Plan:
    require_role(actor, [PLANNER], _("Only planners may change contingency plans."))
    try:
        return Plan.objects.select_for_update().get(pk=plan_id)
    except (Plan.DoesNotExist, ValueError, TypeError):
        raise DomainError(_("No contingency plan %(id)s.") % {"id": plan_id}, status=404) from None


def _check_complete(plan: Plan) -> None:
    levels = list(plan.levels.prefetch_related("actions"))
    if not levels:
        raise DomainError(_("The plan has no response levels yet."))
    empty = [lv.numeral for lv in levels if not lv.actions.all()]
    if empty:
        raise DomainError(_("Level %(lv)s has no actions yet.") % {"lv": ", ".join(empty)})
