"""`{% load drills_tags %}`: the exercise mark and the drills card of an incident page."""

from django import template
from django.utils.translation import gettext as _

from core.roles import DISPATCH_ROLES, has_role
from drills import selectors
from incidents.models import EXERCISE_LABEL

register = template.Library()


@register.inclusion_tag("drills/_incident_panel.html", takes_context=True)
def incident_drills_panel(context, incident):
    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "incident": incident,
        "drills": list(incident.drills.select_related("scenario")) if incident.exercise else [],
        "can_release": incident.exercise and incident.is_open and has_role(user, DISPATCH_ROLES),
        "reports": selectors.incident_report_deadlines(incident),
        "csrf_token": context.get("csrf_token"),
    }


@register.simple_tag
def exercise_label() -> str:
    return EXERCISE_LABEL


@register.filter
def interval_name(key) -> str:
    return {"call_to_dispatch": _("Call → dispatch"), "dispatch_to_ack": _("Dispatch → acknowledged"),
            "dispatch_to_on_scene": _("Dispatch → on scene")}.get(key, key)


@register.filter
def report_name(key) -> str:
    return {"initial_phone": _("First report by phone (初报)"), "initial_written": _("First written report (初报)"),
            "followup": _("Follow-up report (续报)"), "final": _("Final report (终报)")}.get(key, key)


@register.filter
def verdict_name(key) -> str:
    return {"on_time": _("on time"), "late": _("late"), "overdue": _("not done, overdue"),
            "open": _("open")}.get(key, key)
