"""The evaluation of a drill or incident: findings, and the plan revisions they open."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import stream
from core.errors import DomainError
from core.params import is_id
from drills import events
from drills.models import (
    Drill,
    Finding,
    RevisionTask,
)
from drills.services.base import EVALUATE_ROLES, _locked_drill, _require
from incidents.models import Incident

# --- evaluation ------------------------------------------------------------------------

def finding_record(*, actor, category: str, text: str, element: str = "other", recommendation: str = "",
                   drill_id: int | None = None, incident_id: int | None = None) -> Finding:
    _require(actor, EVALUATE_ROLES, _("Only commanders and planners may record evaluation findings."))
    text = (text or "").strip()
    errors = {}
    if not text:
        errors["text"] = [_("Write the finding.")]
    if category not in Finding.Category.values:
        errors["category"] = [_("Choose one of: %(c)s.") % {"c": ", ".join(Finding.Category.values)}]
    if element not in Finding.Element.values:
        errors["element"] = [_("Choose one of: %(c)s.") % {"c": ", ".join(Finding.Element.values)}]
    if errors:
        raise DomainError(_("The finding has errors: %(f)s.") % {"f": ", ".join(sorted(errors))}, data=errors)
    with transaction.atomic():
        drill = incident = None
        if drill_id is not None:
            drill = _locked_drill(drill_id)
            if drill.status != Drill.Status.ENDED:
                raise DomainError(_("Findings are recorded once the drill has ended."), status=409)
        elif incident_id is not None:
            incident = Incident.objects.filter(pk=incident_id).first() if is_id(incident_id) else None
            if incident is None:
                raise DomainError(_("No incident %(id)s.") % {"id": incident_id}, status=404)
        else:
            raise DomainError(_("A finding belongs to a drill or an incident."))
        finding = Finding.objects.create(drill=drill, incident=incident, category=category, element=element,
                                         text=text, recommendation=(recommendation or "").strip(), created_by=actor)
        stream.publish(events.FINDING_RECORDED, finding)
        return finding


def finding_open_revision(*, actor, finding_id: int, title: str = "", due_on: dt.date | None = None) -> RevisionTask:
    """Open a revision task on the rehearsed plan from a finding (once per finding)."""
    _require(actor, EVALUATE_ROLES, _("Only commanders and planners may open plan revisions."))
    with transaction.atomic():
        finding = (Finding.objects.select_for_update(of=("self",)).select_related("drill__scenario__plan")
                   .filter(pk=finding_id).first())
        if finding is None:
            raise DomainError(_("No finding %(id)s.") % {"id": finding_id}, status=404)
        if RevisionTask.objects.filter(finding=finding).exists():
            raise DomainError(_("This finding already has a revision task."), status=409)
        plan = finding.drill.scenario.plan if finding.drill_id else None
        if plan is None and finding.incident_id:
            from plans.models import Activation

            activation = Activation.objects.filter(incident_id=finding.incident_id).select_related("plan").first()
            plan = activation.plan if activation else None
        if plan is None:
            raise DomainError(_("No plan to revise: the drill's scenario names none and no plan was activated."),
                              status=409)
        today = timezone.localdate()
        due_on = due_on or today + dt.timedelta(days=settings.DRILLS_REVISION_DAYS)
        if due_on < today:
            raise DomainError(_("The due date is in the past."))
        task = RevisionTask.objects.create(plan=plan, finding=finding, due_on=due_on, created_by=actor,
                                           title=(title or "").strip()[:200] or finding.text[:200])
        stream.publish(events.FINDING_RECORDED, finding)
        return task
