"""Reads that need thought: a drill's evaluation, the parts of an incident's after-action review
that drills contributes (drills.report_sections: plan tasks, source alarms), and which plans are
due a drill. The review itself, its reporting deadlines and the response times are incidents'
(incidents.after_action)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from drills.models import Drill
from incidents.after_action import incident_response
from incidents.models import Incident, timeline_kind_label

# 生产安全事故应急预案管理办法 Art. 33: an enterprise drills its on-site disposal plans at least every
# six months and its special plans at least yearly. 生产安全事故应急条例 Art. 8: the district's own
# plans (those that name no enterprise) at least every two years, and a hazardous-chemical
# enterprise (every enterprise of the park register is one) drills at least every six months
# whatever the plan. Override with settings.DRILL_INTERVAL_MONTHS.
DRILL_INTERVAL_MONTHS = {"onsite": 6, "special": 12, "overall": 24, "department": 24}
HAZCHEM_ENTERPRISE_MONTHS = 6


# --- one incident ------------------------------------------------------------------------

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
