"""The shapes of the events plans emit: `activation.*`, `task.*`, `handover.*`.

activation.created / activation.updated: {"id", "incident": {"id", "number", "exercise"},
  "plan": {"id", "code", "title"}, "level", "status", "end_reason"}
task.created / task.updated: {"id", "activation", "incident": {"id", "number", "exercise"},
  "plan": {...}, "level", "title", "responsible", "due_at", "status", "overdue", "done_at", "done_by",
  "closed_reason"}
handover.created / handover.confirmed: {"id", "post", "outgoing", "incoming", "created_at",
  "confirmed_at", "incidents": n, "tasks": n}
"""

from typing import TypedDict

from django.utils import timezone


class IncidentRef(TypedDict):
    id: int
    number: str
    exercise: bool


class PlanRef(TypedDict):
    id: int
    code: str
    title: str


class ActivationPayload(TypedDict):
    id: int
    incident: IncidentRef
    plan: PlanRef
    level: str
    status: str
    end_reason: str


class TaskPayload(TypedDict):
    id: int
    activation: int
    incident: IncidentRef
    plan: PlanRef
    level: str
    title: str
    responsible: str
    due_at: str
    status: str
    overdue: bool
    done_at: str | None
    done_by: str | None
    closed_reason: str


class HandoverPayload(TypedDict):
    id: int
    post: str
    outgoing: str
    incoming: str
    created_at: str
    confirmed_at: str | None
    incidents: int
    tasks: int


def plan_ref(plan) -> dict:
    return {"id": plan.pk, "code": plan.code, "title": plan.title}


def activation_payload(activation) -> dict:
    incident = activation.incident
    return {
        "id": activation.pk,
        "incident": {"id": incident.pk, "number": incident.number, "exercise": incident.exercise},
        "plan": plan_ref(activation.plan),
        "level": activation.level,
        "status": activation.status,
        "end_reason": activation.end_reason,
    }


def task_payload(task, now=None) -> dict:
    return {
        "id": task.pk,
        "activation": task.activation_id,
        "incident": {"id": task.incident_id, "number": task.incident.number,
                     "exercise": task.incident.exercise},
        "plan": plan_ref(task.activation.plan),
        "level": task.level,
        "title": task.title,
        "responsible": task.responsible,
        "due_at": task.due_at.isoformat(),
        "status": task.status,
        "overdue": task.is_overdue(now or timezone.now()),
        "done_at": task.done_at.isoformat() if task.done_at else None,
        "done_by": (task.done_by.get_full_name() or task.done_by.username) if task.done_by_id else None,
        "closed_reason": task.closed_reason,
    }


def handover_payload(handover) -> dict:
    return {
        "id": handover.pk,
        "post": handover.post.name,
        "outgoing": handover.outgoing.username,
        "incoming": handover.incoming.username,
        "created_at": handover.created_at.isoformat(),
        "confirmed_at": handover.confirmed_at.isoformat() if handover.confirmed_at else None,
        "incidents": handover.incidents.count(),
        "tasks": handover.tasks.count(),
    }
