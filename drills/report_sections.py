"""The parts of an incident's after-action review that incidents (below) may not read itself,
registered in incidents.after_action's registry at start-up (drills.apps): the park alarms the
incident came from (monitoring), the plans activated and their tasks (plans), the public
warnings issued (alerts), and the evaluators' findings (drills). Each section says what it
adds to the review, to the API's answer, to the page (its template) and to the PDF.

Drills holds them because it sits above all three apps and already reads them for a drill's
evaluation (drills.selectors); the review's shape and order are as before the move (issue 23).
"""

from django.utils.translation import gettext as _

from core.roles import has_role
from drills import selectors
from drills.models import Finding
from drills.reports import finding_json, tasks_json
from drills.services.base import EVALUATE_ROLES
from incidents import after_action
from incidents.after_action import iso, username

# --- source alarms (monitoring) -----------------------------------------------------------


def _alarms_pdf(aar, kit) -> list:
    if not aar["alarms"]:
        return []
    return [
        kit.h2(_("Source alarms")),
        kit.table([_("Alarm"), _("Point"), _("Level"), _("Raised"), _("Acknowledged")],
                  [[f"#{a.pk}", f"{a.point.code} {a.point.name}", a.get_level_display(), kit.t(a.raised_at),
                    " ".join(filter(None, [kit.t(a.acknowledged_at) if a.acknowledged_at else "",
                                           a.acknowledged_by.username if a.acknowledged_by else "",
                                           a.acknowledge_note]))]
                   for a in aar["alarms"]]),
    ]


# The park alarms the incident came from or was filed with (issue 22, demo): named first.
after_action.register(
    "source-alarms", order=10,
    build=lambda incident: {"alarms": selectors.source_alarms(incident)},
    as_json=lambda aar: {"source_alarms": [
        {"id": a.pk, "point": a.point.code, "level": a.level, "raised_at": iso(a.raised_at),
         "peak_value": a.peak_value, "acknowledged_by": username(a.acknowledged_by),
         "acknowledge_note": a.acknowledge_note} for a in aar["alarms"]]},
    template="drills/after_action/_alarms.html", pdf=_alarms_pdf)


# --- plan activations and tasks (plans) ---------------------------------------------------

def _plans(incident) -> dict:
    from plans.models import Activation

    return {"activations": list(Activation.objects.filter(incident=incident).select_related("plan", "activated_by")
                                .order_by("activated_at")),
            "tasks": selectors.incident_tasks(incident, at=incident.closed_at)}


def _plans_pdf(aar, kit) -> list:
    return [
        kit.h2(_("Plan activations and tasks")),
        kit.table([_("Plan"), _("Level"), _("Activated"), _("By")],
                  [[a.plan.title, a.numeral, kit.t(a.activated_at), a.activated_by.username]
                   for a in aar["activations"]]),
        kit.Spacer(1, 3 * kit.mm),
        kit.table([_("Task"), _("Due"), _("Done"), _("Verdict")],
                  [[t["title"], kit.t(t["due_at"]), kit.t(t["done_at"]), kit.verdict(t["verdict"])]
                   for t in aar["tasks"]],
                  widths=[80 * kit.mm, 32 * kit.mm, 32 * kit.mm, 25 * kit.mm]),
    ]


after_action.register(
    "plans", order=30, build=_plans,
    as_json=lambda aar: {
        "activations": [{"id": a.pk, "plan": a.plan.title, "level": a.level, "status": a.status,
                         "activated_at": iso(a.activated_at), "by": username(a.activated_by)}
                        for a in aar["activations"]],
        "tasks": tasks_json(aar["tasks"])},
    template="drills/after_action/_plans.html", pdf=_plans_pdf)


# --- public warnings (alerts) -------------------------------------------------------------

def _alerts(incident) -> dict:
    from alerts.models import Alert

    return {"alerts": list(Alert.objects.filter(incident=incident).exclude(status="draft").order_by("issued_at"))}


def _alerts_pdf(aar, kit) -> list:
    return [
        kit.h2(_("Public warnings issued")),
        kit.table([_("Level"), _("Headline"), _("Status"), _("Issued")],
                  [[a.get_level_display(), ("【演练】" if a.is_exercise else "") + a.headline,
                    a.get_status_display(), kit.t(a.issued_at)] for a in aar["alerts"]]),
    ]


after_action.register(
    "alerts", order=50, build=_alerts,
    as_json=lambda aar: {"alerts": [
        {"id": a.pk, "level": a.level, "headline": a.headline, "status": a.status,
         "issued_at": iso(a.issued_at), "exercise": a.is_exercise} for a in aar["alerts"]]},
    template="drills/after_action/_alerts.html", pdf=_alerts_pdf)


# --- findings (drills) --------------------------------------------------------------------

def _findings_pdf(aar, kit) -> list:
    if not aar["findings"]:
        return []
    return [
        kit.h2(_("Findings")),
        kit.table([_("Category"), _("Finding"), _("Recommendation")],
                  [[f.get_category_display(), f.text, f.recommendation] for f in aar["findings"]]),
    ]


def _findings_form(request, incident) -> dict:
    return {"can_evaluate": has_role(getattr(request, "user", None), EVALUATE_ROLES),
            "categories": Finding.Category.choices, "elements": Finding.Element.choices}


after_action.register(
    "findings", order=70,
    build=lambda incident: {"findings": list(incident.findings.select_related("created_by"))},
    as_json=lambda aar: {"findings": [finding_json(f) for f in aar["findings"]]},
    template="drills/after_action/_findings.html", pdf=_findings_pdf, page_context=_findings_form)
