"""The drills card of the incident page, contributed through core.panels: incidents (below
drills) places it without loading drills' template tags. The card's reports part (deadlines,
the 初报 form, the after-action links) is incidents' own template and reads, included here so the
card stays where it was."""

from django.middleware.csrf import get_token
from django.template.loader import render_to_string

from core import panels
from core.roles import DISPATCH_ROLES, INTAKE_ROLES, has_role
from incidents.after_action import incident_report_deadlines
from incidents.models import IncidentReport


def incident_card(request, incident) -> str:
    user = getattr(request, "user", None)
    context = {
        "incident": incident,
        "drills": list(incident.drills.select_related("scenario")) if incident.exercise else [],
        "can_release": incident.exercise and incident.is_open and has_role(user, DISPATCH_ROLES),
        "reports": incident_report_deadlines(incident),
        "csrf_token": get_token(request) if request is not None else None,
        "can_file": has_role(user, INTAKE_ROLES),
        "report_kinds": IncidentReport.Kind.choices, "channels": IncidentReport.Channel.choices,
    }
    return render_to_string("drills/_incident_panel.html", context, request=request)


# After the plans card (order 10), where the page had it.
panels.register("incident", "drills", render=incident_card, order=20)
