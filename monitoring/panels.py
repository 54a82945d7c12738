"""The park-alarm card of the incident page (core.panels): the alarms this incident was logged
from, each linked to its point and its place in the alarm list. incidents (below monitoring)
places the card without importing monitoring; the other direction of the link is the alarm's
own `incident`."""

from django.template.loader import render_to_string

from core import panels
from core.roles import CONSOLE_ROLES, has_role
from monitoring import selectors


def incident_card(request, incident) -> str:
    if request is None or not has_role(request.user, CONSOLE_ROLES):
        return ""
    alarms = list(selectors.alarms().filter(incident=incident))
    if not alarms:
        return ""  # an incident from a call has no alarm: no empty card
    return render_to_string("monitoring/incident_panel.html", {"alarms": alarms, "incident": incident},
                            request=request)


# After the plans (10) and drills (20) cards: the plan is what the commander acts on first.
panels.register("incident", "park-alarms", render=incident_card, order=30)


# The park's alarm bar on every page of the roles that hear alarms (its markup, #alarm-bar, is
# the shell's base.html; what it says and does is this script's).
panels.register_script("monitoring-alarms", path="monitoring/alarms.js", when=lambda page: bool(page.get("alarm_bar")),
                       order=50)
