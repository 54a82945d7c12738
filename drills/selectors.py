"""Reads that need thought: a drill's evaluation, an incident's after-action report, reporting
deadlines, and which plans are due a drill."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from drills.models import Drill, IncidentReport, ReportRule
from incidents.models import Assignment, Incident, timeline_kind_label
from incidents.selectors import incident_milestones, supplementary_report_due

# Targets for the response intervals, in seconds (docs/domain.md "Service-time budgets"):
# process and alert within 60 s (NFPA 1221), turnout 60–80 s (NFPA 1710), fire crews reach the
# district edge within 5 minutes of the dispatch order. Override with settings.DRILLS_RESPONSE_TARGETS.
RESPONSE_TARGETS = {"call_to_dispatch": 60, "dispatch_to_ack": 80, "dispatch_to_on_scene": 300}
# 生产安全事故应急预案管理办法 Art. 33: an enterprise drills its on-site disposal plans at least every
# six months and its special plans at least yearly. 生产安全事故应急条例 Art. 8: the district's own
# plans (those that name no enterprise) at least every two years, and a hazardous-chemical
# enterprise (every enterprise of the park register is one) drills at least every six months
# whatever the plan. Override with settings.DRILL_INTERVAL_MONTHS.
DRILL_INTERVAL_MONTHS = {"onsite": 6, "special": 12, "overall": 24, "department": 24}
HAZCHEM_ENTERPRISE_MONTHS = 6
# Used when an office has not configured a severity (ReportRule rows come with the migration).
DEFAULT_RULE = {"phone_min": 60, "written_min": 120, "followup_h": 24, "final_days": 15}


def response_targets() -> dict:
    return {**RESPONSE_TARGETS, **settings.DRILLS_RESPONSE_TARGETS}


# --- one incident ------------------------------------------------------------------------

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


def incident_tasks(incident: Incident, *, at: dt.datetime | None = None, speed: int = 1) -> list[dict]:
    """Plan tasks with their due time against their completion (as of `at`, default now).

    In a drill played `speed` times faster than real time, the plan's time limits shrink with
    it: a task due 10 minutes after activation is due after 1 minute at 10×.
    """
    from plans.models import Task

    at = at or timezone.now()
    rows = []
    for t in Task.objects.filter(incident=incident).select_related("activation__plan", "done_by").order_by("due_at"):
        if speed > 1:
            start = t.activation.activated_at
            t.due_at = start + (t.due_at - start) / speed
        if t.done_at:
            verdict = "on_time" if t.done_at <= t.due_at else "late"
        else:
            verdict = "overdue" if t.due_at < at else "open"
        rows.append({"title": t.title, "plan": t.activation.plan.title, "level": t.level,
                     "responsible": t.responsible, "due_at": t.due_at, "done_at": t.done_at,
                     "done_by": _who(t.done_by), "status": t.status, "verdict": verdict,
                     "late_s": (t.done_at - t.due_at).total_seconds() if t.done_at and t.done_at > t.due_at else None})
    return rows


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


def after_action(incident: Incident) -> dict:
    """Everything the after-action report shows, for a real incident or an exercise."""
    from alerts.models import Alert
    from hazards.models import Release
    from hazards.selectors import people_inside
    from plans.models import Activation

    releases = []
    for rel in (Release.objects.filter(incident_link__incident=incident).select_related("chemical").prefetch_related("zones")
                .order_by("created_at")):
        releases.append({"release": rel, "zones": list(rel.zones.all()),
                         "people": people_inside(rel.result)})
    return {
        "incident": incident,
        "timeline": list(incident.timeline.select_related("actor").order_by("at", "id")),
        "response": incident_response(incident),
        "activations": list(Activation.objects.filter(incident=incident).select_related("plan", "activated_by")
                            .order_by("activated_at")),
        "tasks": incident_tasks(incident, at=incident.closed_at),
        "releases": releases,
        "alerts": list(Alert.objects.filter(incident=incident).exclude(status="draft").order_by("issued_at")),
        "reports": incident_report_deadlines(incident),
        "findings": list(incident.findings.select_related("created_by")),
        "escalations": [e for e in incident.timeline.all() if e.kind == "escalated"],
        # The park alarms the incident came from or was filed with (issue 22, demo): named first.
        "alarms": source_alarms(incident),
    }


def source_alarms(incident: Incident) -> list:
    from monitoring.models import Alarm

    return list(Alarm.objects.filter(incident=incident).select_related("point__risk_source", "acknowledged_by")
                .order_by("raised_at", "id"))


# --- a drill ----------------------------------------------------------------------------

def drill_evaluation(drill: Drill) -> dict:
    """What happened against what the plan asked: injects, response times, tasks due against
    done, the exercise alarms and how fast they were acknowledged, escalations, who did what,
    findings (AQ/T 9009-2015)."""
    incidents = list(drill.incidents.select_related("type").order_by("reported_at", "id"))
    plan = drill.scenario.plan
    from plans.models import Activation

    activations = list(Activation.objects.filter(incident__in=incidents).select_related("plan", "activated_by")
                       .order_by("activated_at"))
    plan_activated = [a for a in activations if plan and a.plan.code == plan.code]
    actors: dict[str, list[str]] = defaultdict(list)
    escalations = []
    for incident in incidents:
        for entry in incident.timeline.select_related("actor").order_by("at", "id"):
            if entry.kind == "escalated":
                escalations.append({"incident": incident.number, "at": entry.at, "text": entry.text})
            actors[_who(entry.actor) or "—"].append(entry.kind)
    who_did_what = [{"who": who, "count": len(kinds), "kinds": sorted(set(kinds)),
                     "kind_labels": sorted({timeline_kind_label(k) for k in kinds})}
                    for who, kinds in sorted(actors.items(), key=lambda kv: -len(kv[1]))]
    at = drill.ended_at or timezone.now()
    return {
        "drill": drill,
        "runs": list(drill.runs.select_related("inject", "incident").order_by("due_at", "id")),
        "incidents": [{"incident": i, "response": incident_response(i),
                       "tasks": incident_tasks(i, at=at, speed=drill.speed)}
                      for i in incidents],
        "plan": plan,
        "activations": activations,
        "plan_activated_at": plan_activated[0].activated_at if plan_activated else None,
        "plan_activation_s": ((plan_activated[0].activated_at - drill.started_at).total_seconds()
                              if plan_activated and drill.started_at else None),
        "escalations": escalations,
        "who_did_what": who_did_what,
        "findings": list(drill.findings.select_related("created_by", "revision_task").order_by("created_at")),
        "releases": list(drill.releases.select_related("chemical").order_by("created_at")),
        "alarms": [{"alarm": a, "ack_s": (a.acknowledged_at - a.raised_at).total_seconds()
                    if a.acknowledged_at else None}
                   for a in drill.alarms.select_related("point", "acknowledged_by", "incident").order_by("raised_at")],
    }


# --- drills due -------------------------------------------------------------------------

@dataclass
class DrillDue:
    plan: object
    enterprise: object | None
    interval_months: int
    last_drill: dt.datetime | None
    due_on: dt.date
    overdue: bool


def drills_due(*, today: dt.date | None = None, plan_id: int | None = None) -> list[DrillDue]:
    """Each published on-site and special plan, per enterprise it covers: when it was last
    drilled, when the next drill is due, and whether that is past."""
    from plans.models import Plan

    today = today or timezone.localdate()
    months = {**DRILL_INTERVAL_MONTHS, **settings.DRILL_INTERVAL_MONTHS}
    ended = (Drill.objects.filter(status=Drill.Status.ENDED, scenario__plan__isnull=False)
             .values("scenario__plan__code", "scenario__enterprise_id").annotate(last=Max("ended_at")))
    last_by = {(r["scenario__plan__code"], r["scenario__enterprise_id"]): r["last"] for r in ended}
    rows = []
    plans = (Plan.objects.filter(status=Plan.Status.PUBLISHED, kind__in=list(months))
             .prefetch_related("enterprises").order_by("code"))
    if plan_id is not None:
        plans = plans.filter(pk=plan_id)
    for plan in plans:
        for enterprise in list(plan.enterprises.all()) or [None]:
            key_ent = enterprise.pk if enterprise else None
            # A drill of the plan without a named enterprise counts for every enterprise it covers.
            candidates = [v for (code, ent), v in last_by.items() if code == plan.code and ent in (key_ent, None)]
            last = max(candidates, default=None)
            start = timezone.localdate(last) if last else (plan.effective_date or _published_on(plan) or today)
            interval = _interval(plan.kind, enterprise, months)
            due_on = _add_months(start, interval)
            rows.append(DrillDue(plan=plan, enterprise=enterprise, interval_months=interval,
                                 last_drill=last, due_on=due_on, overdue=due_on < today))
    rows.sort(key=lambda r: (not r.overdue, r.due_on))
    return rows


def _interval(kind: str, enterprise, months: dict) -> int:
    """Months between two drills of a plan: a hazardous-chemical enterprise's plans every six
    months at most (条例 Art. 8); a district plan (no enterprise) every two years, unless the
    plan's kind asks for more often (an on-site plan)."""
    if enterprise is not None:
        return min(months[kind], HAZCHEM_ENTERPRISE_MONTHS)
    return months[kind] if kind == "onsite" else max(months[kind], months.get("overall", 24))


def _published_on(plan):
    return timezone.localdate(plan.published_at) if plan.published_at else None


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    import calendar

    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _who(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username
