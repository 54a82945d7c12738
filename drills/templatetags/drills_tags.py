"""`{% load drills_tags %}`: the exercise mark and drills' filters. The drills card of the
incident page comes through core.panels (drills.panels); the names of response intervals and
reports are incident_tags' (the after-action review is incidents')."""

from django import template
from django.utils.translation import gettext as _

from incidents.models import EXERCISE_LABEL

register = template.Library()


@register.simple_tag
def exercise_label() -> str:
    return EXERCISE_LABEL


@register.filter
def verdict_name(key) -> str:
    return {"on_time": _("on time"), "late": _("late"), "overdue": _("not done, overdue"),
            "open": _("open")}.get(key, key)


@register.inclusion_tag("drills/_running_banner.html", takes_context=True)
def running_drills_banner(context):
    """On every console page while a drill runs: 演练 / EXERCISE in progress, with a link; and
    the plans whose periodic drill is overdue (flagged by the drills.flag_overdue_drills job).
    One query for both: this runs on every console page (tests/house query budgets)."""
    if not context.get("is_console"):
        return {"drills": [], "overdue": 0}
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT (SELECT count(*) FROM drills_overduedrill WHERE held_at IS NULL),
                   (SELECT coalesce(json_agg(json_build_object('pk', r.id, 'title', r.title)), '[]'::json)
                    FROM (SELECT d.id, s.title FROM drills_drill d JOIN drills_scenario s ON s.id = d.scenario_id
                          WHERE d.status = 'running' ORDER BY d.created_at DESC LIMIT 3) r)""")
        overdue, running = cursor.fetchone()
    if isinstance(running, str):  # a driver that does not decode json
        import json

        running = json.loads(running)
    return {"drills": running, "overdue": overdue}
