"""The shapes of the events drills emit. Every payload says `"exercise": true`: a client that
shows it must label it 演练 / EXERCISE.

drill.started, drill.ended: {"id", "scenario", "title", "kind", "status", "speed", "started_at",
    "ended_at", "incidents": [id], "exercise": true}
inject.fired: {"id", "drill", "kind", "title", "offset_s", "due_at", "fired_at", "status",
    "result", "incident": id | null, "exercise": true}
finding.recorded: {"id", "drill", "incident", "category", "element", "text", "revision_task": id | null}
drill.overdue: {"id", "plan": {"id", "code", "title", "kind"}, "enterprise": {"id", "name"} | null,
    "due_on", "last_drill", "interval_months", "exercise": false, "label"}
"""

from typing import TypedDict

from incidents.models import EXERCISE_LABEL


class DrillPayload(TypedDict):
    id: int
    scenario: int
    title: str
    kind: str
    status: str
    speed: int
    started_at: str | None
    ended_at: str | None
    incidents: list[int]
    exercise: bool
    label: str


class InjectRunPayload(TypedDict):
    id: int
    drill: int
    kind: str
    title: str
    offset_s: int
    due_at: str | None
    fired_at: str | None
    status: str
    result: str
    incident: int | None
    exercise: bool
    label: str


class FindingPayload(TypedDict):
    id: int
    drill: int | None
    incident: int | None
    category: str
    element: str
    text: str
    revision_task: int | None


class OverduePlan(TypedDict):
    id: int
    code: str
    title: str
    kind: str


class OverdueEnterprise(TypedDict):
    id: int
    name: str


class OverduePayload(TypedDict):
    id: int
    plan: OverduePlan
    enterprise: OverdueEnterprise | None
    due_on: str
    last_drill: str | None
    interval_months: int | None
    exercise: bool
    label: str

# Both languages, like EXERCISE_LABEL: the event is written once, read on consoles in either.
OVERDUE_LABEL = "应急演练逾期 / DRILL OVERDUE"


def _iso(value):
    return value.isoformat() if value else None


def drill_payload(drill) -> dict:
    return {
        "id": drill.pk,
        "scenario": drill.scenario_id,
        "title": drill.scenario.title,
        "kind": drill.scenario.kind,
        "status": drill.status,
        "speed": drill.speed,
        "started_at": _iso(drill.started_at),
        "ended_at": _iso(drill.ended_at),
        "incidents": sorted(drill.incidents.values_list("pk", flat=True)),
        "exercise": True,
        "label": EXERCISE_LABEL,
    }


def inject_run_payload(run) -> dict:
    inject = run.inject
    return {
        "id": run.pk,
        "drill": run.drill_id,
        "kind": inject.kind,
        "title": inject.title or inject.get_kind_display(),
        "offset_s": inject.offset_s,
        "due_at": _iso(run.due_at),
        "fired_at": _iso(run.fired_at),
        "status": run.status,
        "result": run.result,
        "incident": run.incident_id,
        "exercise": True,
        "label": EXERCISE_LABEL,
    }


def finding_payload(finding) -> dict:
    task = getattr(finding, "revision_task", None) if finding.pk else None
    return {
        "id": finding.pk,
        "drill": finding.drill_id,
        "incident": finding.incident_id,
        "category": finding.category,
        "element": finding.element,
        "text": finding.text,
        "revision_task": task.pk if task else None,
    }


def overdue_payload(flag) -> dict:
    plan, enterprise = flag.plan, flag.enterprise
    return {
        "id": flag.pk,
        "plan": {"id": plan.pk, "code": plan.code, "title": plan.title, "kind": plan.kind},
        "enterprise": {"id": enterprise.pk, "name": enterprise.name} if enterprise else None,
        "due_on": flag.due_on.isoformat(),
        "last_drill": _iso(flag.last_drill),
        "interval_months": getattr(flag, "interval_months", None),
        "exercise": False,  # a real duty lapsed: not an exercise
        "label": OVERDUE_LABEL,
    }
