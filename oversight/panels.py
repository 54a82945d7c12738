"""The turnaround card of the incident page (core.panels): the enterprise whose risk source is
involved is starting up, shutting down or in a turnaround now. Start-ups and shutdowns are when
plants leak and burn most; a commander must know the unit was not in normal operation."""

from django.template.loader import render_to_string

from core import panels
from core.roles import CONSOLE_ROLES, SAFETY_ROLES, has_role
from oversight import selectors


def incident_card(request, incident) -> str:
    if request is None or not has_role(request.user, CONSOLE_ROLES | SAFETY_ROLES) or incident.risk_source_id is None:
        return ""
    running = list(selectors.turnarounds_running().filter(enterprise_id=incident.risk_source.enterprise_id)
                   .select_related("enterprise"))
    if not running:
        return ""
    return render_to_string("oversight/incident_panel.html", {"turnarounds": running}, request=request)


panels.register("incident", "turnarounds", render=incident_card, order=25)
