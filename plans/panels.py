"""The plans card of the incident page, contributed through core.panels: incidents (below
plans) places it without importing plans."""

from django.conf import settings
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from core import panels
from core.roles import COMMAND_ROLES, INTAKE_ROLES, has_role
from plans import selectors
from plans.models import Activation
from plans.models.plan import LEVEL_RANK


def panel_context(request, incident, *, next_url: str) -> dict:
    user = getattr(request, "user", None)
    if request is not None and not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    now = timezone.now()
    activations = selectors.incident_activations(incident)
    active_plan_ids = {a.plan_id for a in activations if a.status == Activation.Status.ACTIVE}
    for activation in activations:
        # Nearest higher level first: raising one step is the usual decision.
        activation.raise_levels = sorted((lv for lv in activation.plan.levels.all()
                                          if LEVEL_RANK[lv.level] < LEVEL_RANK[activation.level]),
                                         key=lambda lv: -LEVEL_RANK[lv.level])
        activation.task_rows = [(task, task.is_overdue(now)) for task in activation.tasks.all()]
    return {
        "incident": incident,
        "matches": selectors.plans_matching(incident),
        "activations": activations,
        "active_plan_ids": active_plan_ids,
        "can_command": has_role(user, COMMAND_ROLES) and incident.is_open,
        "can_mark_done": has_role(user, INTAKE_ROLES),
        "next_url": next_url,
        "csrf_token": get_token(request) if request is not None else None,
        "request": request,
        "TIME_ZONE": settings.TIME_ZONE,
    }


def incident_card(request, incident) -> str:
    context = panel_context(request, incident, next_url=request.get_full_path() if request else "")
    return render_to_string("plans/incident_panel.html", context, request=request)


panels.register("incident", "plans", render=incident_card, order=10)
