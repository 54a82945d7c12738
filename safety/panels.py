"""The special-work card of the incident page (core.panels): permits in force within 500 m of
the incident. People may be inside a tank or on a pipe rack near a fire or a leak."""

from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from core import panels
from core.roles import CONSOLE_ROLES, has_role
from safety import selectors

RADIUS_M = 500


def incident_card(request, incident) -> str:
    if request is None or not has_role(request.user, CONSOLE_ROLES) or incident.location is None:
        return ""
    permits = list(selectors.permits_in_force_near(incident.location, RADIUS_M).order_by("valid_to"))
    return render_to_string("safety/incident_panel.html", {"permits": permits, "radius": RADIUS_M}, request=request)


panels.register("incident", "work-permits", render=incident_card, order=20)


def point_card(request, point) -> str:
    """On a monitoring point's page: the permits its alarms suspended or warned (issue 22, point 7).
    monitoring is a sibling of safety: the card comes by the page's name, neither imports the other."""
    from safety.models import PermitAlarmAction

    if request is None or not has_role(request.user, CONSOLE_ROLES):
        return ""
    actions = list(PermitAlarmAction.objects.filter(point_id=point.pk).select_related("permit__enterprise")[:50])
    if not actions:
        return ""
    return render_to_string("safety/point_panel.html", {"actions": actions}, request=request)


panels.register("monitoring-point", "work-permits", render=point_card, order=20)


# The console-wide banner of major hidden dangers past their deadline (safety/console_alerts.js);
# its words are translated here and handed over on its tag.
panels.register_script(
    "safety-console-alerts", path="safety/console_alerts.js", element_id="safety-console-alerts", order=40,
    when=lambda page: bool(page.get("is_console")) and page.get("stream_since") is not None,
    data=lambda page: {
        "overdue-label": _("Major hidden danger overdue"),
        # The script fills in %(n)s and %(e)s. The msgids keep the doubled %% that these words had
        # as template strings ({% trans %}), so the catalogue's translations still apply.
        "count-label": str(_("%%(n)s overdue")).replace("%%", "%"),
        "reported-label": _("title as the enterprise reported it:"),
        "more-label": str(_("and %%(n)s more (%%(e)s enterprises)")).replace("%%", "%")})
