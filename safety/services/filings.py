"""The park's side of special work (issue 25, point 7): an enterprise files (报备) its special
work with the park, with the permit or ahead of it; a park supervisor spot-checks (在线抽查) a
permit in force online. The consistency the park is scored on (报备 without a permit, a permit
without 报备) is read by safety.selectors.filing_gaps."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import stream
from core.errors import DomainError
from core.roles import SAFETY_SUPERVISOR, require_role
from core.text import find_unstorable
from safety import events, rules, selectors
from safety.models import PermitSpotCheck, WorkFiling, WorkPermit
from safety.services.base import _enterprise_for, _locked


@transaction.atomic
def work_filing_create(*, actor, enterprise_id: int, permit: int | None = None, kind: str = "", grade: str = "",
                       place: str = "", planned_from: dt.datetime | None = None,
                       planned_to: dt.datetime | None = None) -> WorkFiling:
    """File special work with the park. With `permit`, the filing takes the permit's kind, grade,
    place and window (and a permit is filed once); without, the enterprise says what it plans, and
    the filing stays "without a permit" until one is linked to it."""
    enterprise = _enterprise_for(actor, enterprise_id)
    permit_row = None
    if permit is not None:
        permit_row = (selectors.permits_visible_to(actor).select_for_update(of=("self",))
                      .filter(pk=permit, enterprise=enterprise).first())
        if permit_row is None:
            raise DomainError(_("No work permit %(id)s of %(name)s.") % {"id": permit, "name": enterprise.name},
                              status=404)
        if permit_row.state == rules.WP.CANCELLED:
            raise DomainError(_("This permit was cancelled: there is no work to file."), status=409)
        kind, grade, place = permit_row.kind, permit_row.grade, permit_row.place
        planned_from, planned_to = permit_row.valid_from, permit_row.valid_to
    if kind not in WorkPermit.Kind.values:
        raise DomainError(_("Say which kind of special work is filed (“kind”)."), data={"field": "kind"})
    if grade and (kind != "hot_work" or grade not in WorkPermit.Grade.values):
        raise DomainError(_("Only hot work has a grade: special, first or second."), data={"field": "grade"})
    if planned_from is None or planned_to is None or planned_to <= planned_from:
        raise DomainError(_("Give the planned window: “planned_to” after “planned_from”."),
                          data={"field": "planned_to"})
    problem = find_unstorable({"place": place})
    if problem:
        raise DomainError(problem)
    try:
        with transaction.atomic():
            filing = WorkFiling.objects.create(enterprise=enterprise, permit=permit_row, kind=kind, grade=grade or "",
                                               place=(place or "")[:200], planned_from=planned_from,
                                               planned_to=planned_to, filed_by=actor)
    except IntegrityError:
        raise DomainError(_("Permit %(id)s is already filed with the park.") % {"id": permit}, status=409) from None
    if permit_row is not None:
        stream.publish(events.WORK_PERMIT_UPDATED, permit_row, "filed")
    return filing


@transaction.atomic
def work_filing_link(*, actor, filing_id: int, permit: int) -> WorkFiling:
    """Link a filing made ahead of its permit to the permit, once it exists."""
    filing = _locked(WorkFiling, selectors.scoped(WorkFiling.objects.all(), actor), actor, filing_id)
    if filing.permit_id is not None:
        raise DomainError(_("This filing already names permit %(id)s.") % {"id": filing.permit_id}, status=409)
    permit_row = selectors.permits_visible_to(actor).filter(pk=permit, enterprise_id=filing.enterprise_id).first()
    if permit_row is None:
        raise DomainError(_("No work permit %(id)s of this enterprise.") % {"id": permit}, status=404)
    if WorkFiling.objects.filter(permit=permit_row).exists():
        raise DomainError(_("Permit %(id)s is already filed with the park.") % {"id": permit}, status=409)
    if permit_row.kind != filing.kind:
        raise DomainError(_("The filing is for %(filed)s, the permit for %(kind)s: they are not the same work.") % {
            "filed": filing.get_kind_display(), "kind": permit_row.get_kind_display()})
    filing.permit = permit_row
    filing.save(update_fields=["permit"])
    stream.publish(events.WORK_PERMIT_UPDATED, permit_row, "filed")
    return filing


@transaction.atomic
def permit_spot_check(*, actor, permit_id: int, result: str, findings: str = "") -> PermitSpotCheck:
    """A park supervisor's online spot check of a permit in force (work under way now)."""
    require_role(actor, {SAFETY_SUPERVISOR}, _("Only park safety supervisors spot-check permits."))
    permit = _locked(WorkPermit, selectors.permits_visible_to(actor), actor, permit_id)
    now = timezone.now()
    if not (permit.state == rules.WP.IN_PROGRESS and permit.valid_from <= now <= permit.valid_to):
        raise DomainError(_("A spot check is of a permit in force (work under way now); this one is %(state)s.") % {
            "state": permit.get_state_display()}, status=409)
    if result not in PermitSpotCheck.Result.values:
        raise DomainError(_("The result is compliant or issues."), data={"field": "result"})
    findings = (findings or "").strip()
    if result == PermitSpotCheck.Result.ISSUES and not findings:
        raise DomainError(_("Say what was found (“findings”)."), data={"field": "findings"})
    problem = find_unstorable({"findings": findings})
    if problem:
        raise DomainError(problem)
    check = PermitSpotCheck.objects.create(permit=permit, result=result, findings=findings, checked_by=actor, at=now)
    stream.publish(events.WORK_PERMIT_UPDATED, permit, "spot_checked")
    return check
