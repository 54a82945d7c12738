"""An incident's after-action review (复盘): what it holds, for the page, the API and the PDF.

Incidents owns the review, its reporting deadlines (初报 / 续报 / 补报 / 终报 against ReportRule)
and the response times. Parts of it come from apps above incidents, which it may not import:
plan activations and tasks (plans), public warnings (alerts), source alarms (monitoring),
findings (drills). Those are sections an app above registers here at start-up, in its
`report_sections.py` (imported by its AppConfig.ready), as panels register on the incident page;
today drills, above all four, registers them all:

    # drills/report_sections.py
    after_action.register("findings", order=70, build=lambda incident: {"findings": [...]},
                          as_json=lambda aar: {"findings": [...]}, template="drills/after_action/_findings.html",
                          pdf=findings_pdf, page_context=findings_form)

A section's `build(incident)` returns the keys it adds to the review; `as_json(review)` the
keys it adds to the API's answer; `template` renders its part of the page (with `aar`,
`incident` and `page_context(request, incident)`); `pdf(review, kit)` returns its flowables
(kit: incidents.pdf's paragraph, heading and table helpers). The page, the API and the PDF
show the sections by `order`; incidents' own (response 20, releases 40, reports 60,
timeline 80) are registered at the end of this module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from core.roles import INTAKE_ROLES, has_role
from hazards.models import Release
from hazards.selectors import people_inside
from incidents.models import EXERCISE_LABEL, Assignment, Incident, IncidentReport, ReportRule
from incidents.selectors import incident_milestones, supplementary_report_due

# Targets for the response intervals, in seconds (docs/domain.md "Service-time budgets"):
# process and alert within 60 s (NFPA 1221), turnout 60–80 s (NFPA 1710), fire crews reach the
# district edge within 5 minutes of the dispatch order. Override with settings.DRILLS_RESPONSE_TARGETS.
RESPONSE_TARGETS = {"call_to_dispatch": 60, "dispatch_to_ack": 80, "dispatch_to_on_scene": 300}
# Used when an office has not configured a severity (ReportRule rows come with the migration).
DEFAULT_RULE = {"phone_min": 60, "written_min": 120, "followup_h": 24, "final_days": 15}


# --- the registry of sections ------------------------------------------------------------

@dataclass(frozen=True)
class Section:
    name: str
    order: int
    build: Callable[[Incident], dict]
    as_json: Callable[[dict], dict]
    template: str
    pdf: Callable[[dict, object], list]
    page_context: Callable[..., dict] = field(default=lambda request, incident: {})


_SECTIONS: dict[str, Section] = {}


def register(name: str, *, order: int, build: Callable[[Incident], dict], as_json: Callable[[dict], dict],
             template: str, pdf: Callable[[dict, object], list],
             page_context: Callable[..., dict] | None = None) -> Section:
    section = Section(name=name, order=order, build=build, as_json=as_json, template=template, pdf=pdf,
                      **({"page_context": page_context} if page_context else {}))
    _SECTIONS[name] = section
    return section


def registered() -> list[Section]:
    return sorted(_SECTIONS.values(), key=lambda s: (s.order, s.name))


# --- the review ---------------------------------------------------------------------------

def after_action(incident: Incident) -> dict:
    """Everything the after-action report shows, for a real incident or an exercise."""
    aar: dict = {"incident": incident}
    for section in registered():
        aar.update(section.build(incident))
    return aar


def after_action_json(aar: dict) -> dict:
    incident = aar["incident"]
    out = {
        "incident": {"id": incident.pk, "number": incident.number, "title": incident.title,
                     "type": incident.type.code, "severity": incident.severity, "status": incident.status,
                     "reported_at": iso(incident.reported_at), "closed_at": iso(incident.closed_at),
                     "exercise": incident.exercise},
        "label": EXERCISE_LABEL if incident.exercise else "",
    }
    for section in registered():
        out.update(section.as_json(aar))
    return out


def after_action_parts(request, aar: dict) -> list[SafeString]:
    """The page's sections, in order, each rendered by its own template (which escaped it)."""
    incident = aar["incident"]
    return [mark_safe(render_to_string(section.template,  # noqa: S308 - rendered by a template
                                       {"aar": aar, "incident": incident,
                                        **section.page_context(request, incident)}, request=request))
            for section in registered()]


def iso(value):
    return value.isoformat() if value else None


def username(user):
    return user.username if user else None


# --- response times -----------------------------------------------------------------------

def response_targets() -> dict:
    return {**RESPONSE_TARGETS, **settings.DRILLS_RESPONSE_TARGETS}


def incident_response(incident: Incident) -> dict:
    """The incident's response intervals, each against its target, and every unit's times."""
    times = incident_milestones(incident)["times"]
    targets = response_targets()

    def interval(start, end):
        return (end - start).total_seconds() if start and end else None

    measured = {
        "call_to_dispatch": interval(times["reported_at"], times["first_dispatch"]),
        "dispatch_to_ack": interval(times["first_dispatch"], times["first_ack"]),
        "dispatch_to_on_scene": interval(times["first_dispatch"], times["first_on_scene"]),
    }
    intervals = [{"key": k, "seconds": v, "target_s": targets.get(k),
                  "met": None if v is None or targets.get(k) is None else v <= targets[k]}
                 for k, v in measured.items()]
    units = []
    for a in (Assignment.objects.filter(incident=incident).select_related("resource", "created_by", "acknowledged_by")
              .order_by("created_at")):
        units.append({"unit": a.resource.name, "kind": a.resource.kind, "status": a.status,
                      "dispatched_at": a.created_at, "dispatched_by": _who(a.created_by),
                      "acknowledged_at": a.acknowledged_at, "acknowledged_by": _who(a.acknowledged_by),
                      "en_route_at": a.en_route_at, "on_scene_at": a.on_scene_at, "cleared_at": a.cleared_at,
                      "ack_s": interval(a.created_at, a.acknowledged_at),
                      "on_scene_s": interval(a.created_at, a.on_scene_at),
                      "escalations": a.escalations, "decline_reason": a.decline_reason})
    return {"times": times, "intervals": intervals, "units": units}


def response_json(response: dict) -> dict:
    return {
        "milestones": {k: iso(v) for k, v in response["times"].items()},
        "intervals": response["intervals"],
        "units": [{**u, **{k: iso(u[k]) for k in ("dispatched_at", "acknowledged_at", "en_route_at",
                                                 "on_scene_at", "cleared_at")}} for u in response["units"]],
    }


def _who(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


# --- reporting deadlines ------------------------------------------------------------------

def incident_report_deadlines(incident: Incident, *, now: dt.datetime | None = None) -> list[dict]:
    """初报 (by phone, then written), 续报 while open, 终报 after closing: due, filed, overdue."""
    now = now or timezone.now()
    rule = ReportRule.objects.filter(severity=incident.severity).first()
    r = {k: getattr(rule, k) for k in DEFAULT_RULE} if rule else dict(DEFAULT_RULE)
    reports = list(incident.reports.select_related("filed_by").order_by("filed_at"))
    initial = [x for x in reports if x.kind == IncidentReport.Kind.INITIAL]
    phone = next((x for x in initial if x.channel == "phone"), None) or (initial[0] if initial else None)
    written = next((x for x in initial if x.channel == "written"), None)
    rows = [
        _deadline("initial_phone", incident.reported_at + dt.timedelta(minutes=r["phone_min"]), phone, now),
        _deadline("initial_written", incident.reported_at + dt.timedelta(minutes=r["written_min"]), written, now),
    ]
    last = max((x.filed_at for x in reports), default=None)
    if incident.is_open and last:
        rows.append(_deadline("followup", last + dt.timedelta(hours=r["followup_h"]), None, now))
    for x in reports:
        if x.kind == IncidentReport.Kind.FOLLOWUP:
            rows.append({"key": "followup", "due_at": None, "filed": x, "overdue": False})
    if incident.closed_at:
        final = next((x for x in reports if x.kind == IncidentReport.Kind.FINAL), None)
        rows.append(_deadline("final", incident.closed_at + dt.timedelta(days=r["final_days"]), final, now))
        for x in reports:
            if x.kind == IncidentReport.Kind.SUPPLEMENTARY:
                rows.append({"key": "supplementary", "due_at": None, "filed": x, "overdue": False})
        # Casualties changed after closing (条例 Art. 13): a 补报 is due now.
        if supplementary_report_due(incident):
            rows.append({"key": "supplementary", "due_at": None, "filed": None, "overdue": True})
    return rows


def _deadline(key, due_at, filed, now) -> dict:
    late = filed is not None and filed.filed_at > due_at
    return {"key": key, "due_at": due_at, "filed": filed, "late": late,
            "overdue": filed is None and due_at < now}


# --- incidents' own sections --------------------------------------------------------------

def _releases(incident: Incident) -> list[dict]:
    return [{"release": rel, "zones": list(rel.zones.all()), "people": people_inside(rel.result)}
            for rel in (Release.objects.filter(incident_link__incident=incident).select_related("chemical")
                        .prefetch_related("zones").order_by("created_at"))]


def _response_pdf(aar, kit) -> list:
    response = aar["response"]
    return [
        kit.h2(_("Response times against targets")),
        kit.table([_("Interval"), _("Measured"), _("Target"), _("Met")],
                  [[kit.interval_name(i["key"]), kit.secs(i["seconds"]), kit.secs(i["target_s"]),
                    "—" if i["met"] is None else (_("yes") if i["met"] else _("no"))]
                   for i in response["intervals"]]),
        kit.h2(_("Units")),
        kit.table([_("Unit"), _("Dispatched"), _("Acknowledged"), _("On scene"), _("Cleared"), _("Escalations")],
                  [[u["unit"], kit.t(u["dispatched_at"]), kit.t(u["acknowledged_at"]), kit.t(u["on_scene_at"]),
                    kit.t(u["cleared_at"]), u["escalations"]] for u in response["units"]]),
    ]


def _releases_pdf(aar, kit) -> list:
    return [
        kit.h2(_("Releases and threat zones")),
        kit.table([_("Release"), _("Chemical"), _("Zones"), _("People inside")],
                  [[f"#{r['release'].pk}" + (f" ({EXERCISE_LABEL})" if r["release"].exercise else ""),
                    r["release"].chemical.name,
                    "; ".join(f"{z.level} {z.distance_m:.0f} m" for z in r["zones"]), r["people"]]
                   for r in aar["releases"]]),
    ]


def _reports_pdf(aar, kit) -> list:
    return [
        kit.h2(_("Reports (初报 / 续报 / 终报)")),
        kit.table([_("Report"), _("Due"), _("Filed"), _("State")],
                  [[kit.report_name(r["key"]), kit.t(r["due_at"]), kit.t(r["filed"].filed_at if r["filed"] else None),
                    kit.report_state(r)] for r in aar["reports"]]),
    ]


def _timeline_pdf(aar, kit) -> list:
    return [
        kit.h2(_("Timeline")),
        kit.table([_("Time"), _("By"), _("What")],
                  [[kit.t(e.at), e.actor.username if e.actor else _("system"), e.text] for e in aar["timeline"]],
                  widths=[32 * kit.mm, 25 * kit.mm, 112 * kit.mm]),
    ]


def _reports_form(request, incident) -> dict:
    return {"can_file": has_role(getattr(request, "user", None), INTAKE_ROLES),
            "report_kinds": IncidentReport.Kind.choices, "channels": IncidentReport.Channel.choices}


register(
    "response", order=20,
    build=lambda incident: {"response": incident_response(incident)},
    as_json=lambda aar: {"response": response_json(aar["response"])},
    template="incidents/after_action/_response.html", pdf=_response_pdf)
register(
    "releases", order=40,
    build=lambda incident: {"releases": _releases(incident)},
    as_json=lambda aar: {"releases": [
        {"id": r["release"].pk, "chemical": r["release"].chemical.name, "exercise": r["release"].exercise,
         "people": r["people"], "zones": [{"level": z.level, "threshold_ppm": z.threshold_ppm,
                                           "distance_m": round(z.distance_m, 1)} for z in r["zones"]]}
        for r in aar["releases"]]},
    template="incidents/after_action/_releases.html", pdf=_releases_pdf,
    page_context=lambda request, incident: {"exercise_label": EXERCISE_LABEL})
register(
    "reports", order=60,
    build=lambda incident: {"reports": incident_report_deadlines(incident)},
    as_json=lambda aar: {"reports": [
        {"key": r["key"], "due_at": iso(r["due_at"]), "overdue": r["overdue"], "late": r.get("late", False),
         "filed_at": iso(r["filed"].filed_at) if r["filed"] else None,
         "filed_by": username(r["filed"].filed_by) if r["filed"] else None} for r in aar["reports"]]},
    template="incidents/after_action/_reports.html", pdf=_reports_pdf, page_context=_reports_form)


def _timeline(incident: Incident) -> dict:
    timeline = list(incident.timeline.select_related("actor").order_by("at", "id"))
    return {"timeline": timeline, "escalations": [e for e in incident.timeline.all() if e.kind == "escalated"]}


register(
    "timeline", order=80,
    build=_timeline,
    as_json=lambda aar: {
        "timeline": [{"at": iso(e.at), "by": username(e.actor), "kind": e.kind, "text": e.text}
                     for e in aar["timeline"]],
        "escalations": [{"at": iso(e.at), "text": e.text} for e in aar["escalations"]]},
    template="incidents/after_action/_timeline.html", pdf=_timeline_pdf)
