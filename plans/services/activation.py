"""Running a plan on an incident: activation, tasks, level raise, end of response.

Lock order: the incident row first, then the activation, then tasks. Every step writes a
timeline entry and emits an event in the same transaction.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from procrastinate.contrib.django import app as jobs

import stream
from core.errors import DomainError
from core.roles import COMMAND_ROLES, INTAKE_ROLES, require_role
from incidents.models import SEVERITY_NUMERALS, Incident, Severity, TimelineEntry
from incidents.services import incident_lock, timeline_add
from notices import services as notice_services
from plans import events
from plans.models import Activation, Plan, ResponseLevel, Task
from plans.models.plan import LEVEL_RANK


def plan_activate(*, actor, incident_id: int, plan_id: int, level: str) -> Activation:
    """Start a published plan on an incident at `level`, or raise an active one to `level`.

    Tasks are the level's actions with due times counted from now; an action already
    present as a task (same title) is not added again. Each task gets a durable overdue
    check deferred in this transaction.
    """
    require_role(actor, COMMAND_ROLES, _("Only commanders may activate contingency plans."))
    level = _valid_level(level)
    with transaction.atomic():
        incident = incident_lock(incident_id=incident_id)
        if not incident.is_open:
            raise DomainError(_("Incident %(n)s is closed; plans can no longer be activated on it.")
                              % {"n": incident.number}, status=409)
        plan = _published_plan(plan_id)
        response_level = _plan_level(plan, level)
        activation = (Activation.objects.select_for_update()
                      .filter(incident=incident, plan=plan, status=Activation.Status.ACTIVE).first())
        if activation is None:
            return _start(actor, incident, plan, response_level)
        return _raise(actor, activation, response_level)


def activation_raise(*, actor, activation_id: int, level: str) -> Activation:
    activation = _get(Activation, activation_id, _("No plan activation %(id)s."))
    return plan_activate(actor=actor, incident_id=activation.incident_id, plan_id=activation.plan_id, level=level)


@transaction.atomic
def activation_end(*, actor, activation_id: int, reason: str) -> Activation:
    """End the response (响应终止): open tasks are closed with the reason."""
    require_role(actor, COMMAND_ROLES, _("Only commanders may end a plan response."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give a reason for ending the response."))
    activation = _get(Activation, activation_id, _("No plan activation %(id)s."))
    incident_lock(incident_id=activation.incident_id)
    activation = Activation.objects.select_for_update().select_related("plan", "incident").get(pk=activation.pk)
    if activation.status != Activation.Status.ACTIVE:
        raise DomainError(_("This response has already ended."), status=409)
    return _end(actor, activation, reason)


def incident_closed_event(event) -> None:
    """core.events subscriber (plans.events) of `incident.updated`: an incident closed with a plan
    running stands its responses down (响应终止) in the closing transaction, so no task of a
    closed incident goes overdue or into a shift handover (issue 22, point 4). incidents sits
    below plans and cannot call this itself. The incident row is already locked by the closing
    service (lock order: incident, then activations, then tasks). Ended by whoever closed it."""
    payload = event.payload or {}
    if payload.get("status") != Incident.Status.CLOSED:
        return
    active = list(Activation.objects.select_for_update(of=("self",)).select_related("plan", "incident")
                  .filter(incident_id=payload.get("id"), status=Activation.Status.ACTIVE).order_by("pk"))
    if not active:
        return
    closing = (TimelineEntry.objects.filter(incident_id=payload["id"], kind="status", data__status="closed")
               .select_related("actor").order_by("-at", "-id").first())
    for activation in active:
        _end(closing.actor if closing else None, activation, _("The incident was closed."))


def _end(actor, activation: Activation, reason: str) -> Activation:
    now = timezone.now()
    activation.status = Activation.Status.ENDED
    activation.ended_at, activation.ended_by, activation.end_reason = now, actor, reason[:300]
    activation.save(update_fields=["status", "ended_at", "ended_by", "end_reason"])
    open_tasks = list(activation.tasks.select_for_update().filter(status=Task.Status.OPEN))
    for task in open_tasks:
        task.status, task.closed_reason = Task.Status.CLOSED, reason[:300]
        task.save(update_fields=["status", "closed_reason"])
    timeline_add(incident=activation.incident, actor=actor, kind="plan.ended",
                 text=_("Response under %(plan)s ended: %(reason)s (%(n)d open tasks closed).")
                 % {"plan": activation.plan.title, "reason": reason, "n": len(open_tasks)},
                 data={"activation": activation.pk, "closed_tasks": [t.pk for t in open_tasks]})
    for task in open_tasks:
        _emit_task(task, "task.updated")
    stream.publish(events.ACTIVATION_UPDATED, activation)
    return activation


@transaction.atomic
def task_done(*, actor, task_id: int) -> Task:
    require_role(actor, INTAKE_ROLES, _("Only duty officers, dispatchers and commanders may mark tasks done."))
    task = _get(Task, task_id, _("No task %(id)s."))
    task = Task.objects.select_for_update(of=("self",)).select_related(
        "activation__plan", "incident", "done_by").get(pk=task.pk)
    if task.status == Task.Status.DONE:
        who = task.done_by.get_full_name() or task.done_by.username
        raise DomainError(_("This task was already done by %(who)s at %(at)s.")
                          % {"who": who, "at": timezone.localtime(task.done_at).strftime("%H:%M")}, status=409)
    if task.status == Task.Status.CLOSED:
        raise DomainError(_("This task was closed when the response ended."), status=409)
    task.status, task.done_at, task.done_by = Task.Status.DONE, timezone.now(), actor
    task.save(update_fields=["status", "done_at", "done_by"])
    timeline_add(incident=task.incident, actor=actor, kind="task.done",
                 text=_("Task done: %(title)s.") % {"title": task.title},
                 data={"task": task.pk, "late": task.due_at < task.done_at})
    _emit_task(task, "task.updated")
    return task


@transaction.atomic
def task_flag_overdue(*, task_id: int) -> Task | None:
    """Called by the durable job at the due time: flag a task still open, once."""
    task = (Task.objects.select_for_update(of=("self",)).select_related("activation__plan", "incident")
            .filter(pk=task_id).first())
    if task is None or task.status != Task.Status.OPEN or task.overdue_at is not None:
        return None
    if not task.incident.is_open:
        return None  # a closed incident's task is nobody's duty any more (closing closes them too)
    now = timezone.now()
    if task.due_at > now:
        # Woken early (clock skew between worker and database): come back at the due time.
        _defer_overdue_check(task)
        return None
    task.overdue_at = now
    task.save(update_fields=["overdue_at"])
    timeline_add(incident=task.incident, actor=None, kind="task.overdue",
                 text=_("Task overdue: %(title)s (due %(due)s, %(who)s).")
                 % {"title": task.title, "due": timezone.localtime(task.due_at).strftime("%H:%M"),
                    "who": task.responsible or "—"}, data={"task": task.pk})
    stream.publish(events.TASK_UPDATED, task, now)
    return task


# --- helpers -------------------------------------------------------------------------

def _start(actor, incident: Incident, plan: Plan, level: ResponseLevel) -> Activation:
    try:
        with transaction.atomic():
            activation = Activation.objects.create(incident=incident, plan=plan, level=level.level,
                                                   activated_by=actor)
    except IntegrityError:
        raise DomainError(_("This plan was just activated on the incident by someone else; reload."),
                          status=409) from None
    tasks = _add_tasks(activation, level)
    timeline_add(incident=incident, actor=actor, kind="plan.activated",
                 text=_("Plan %(plan)s activated at level %(lv)s: %(n)d tasks.")
                 % {"plan": plan.title, "lv": level.numeral, "n": len(tasks)},
                 data={"activation": activation.pk, "plan": plan.pk, "level": level.level})
    stream.publish(events.ACTIVATION_CREATED, activation)
    for task in tasks:
        _emit_task(task, "task.created")
    _notify_role_holders(activation, tasks)
    return activation


def _notify_role_holders(activation: Activation, tasks: list[Task]) -> None:
    """Each of the plan's role-holders (its contacts) gets a notice with their own tasks (those
    naming their position or name; all of them when none does), by app and SMS (issue 21)."""
    for holder in activation.plan.contacts.all():
        contact = notice_services.contact_for(name=holder.name, mobile=holder.phone,
                                              organisation=holder.organisation, position=holder.position)
        if contact is None:
            continue
        keys = [k for k in (holder.position, holder.name) if k]
        mine = [t for t in tasks if any(k in (t.responsible or "") for k in keys)] or tasks
        notice_services.notify_flow(
            source="plan.activated", contacts=[contact.pk], incident_id=activation.incident_id,
            drill=activation.incident.exercise,
            title=_("Plan %(plan)s activated at level %(lv)s") % {
                "plan": activation.plan.title, "lv": SEVERITY_NUMERALS[activation.level]},
            body="；".join(t.title for t in mine[:8]))


def _raise(actor, activation: Activation, level: ResponseLevel) -> Activation:
    if LEVEL_RANK[level.level] >= LEVEL_RANK[activation.level]:
        raise DomainError(
            _("%(plan)s is already active at level %(cur)s; only a higher level can be activated now.")
            % {"plan": activation.plan.title, "cur": SEVERITY_NUMERALS[activation.level]}, status=409)
    previous = activation.level
    activation.level = level.level
    activation.save(update_fields=["level"])
    tasks = _add_tasks(activation, level)
    timeline_add(incident=activation.incident, actor=actor, kind="plan.level_raised",
                 text=_("Plan %(plan)s raised from level %(old)s to %(new)s: %(n)d new tasks.")
                 % {"plan": activation.plan.title, "old": SEVERITY_NUMERALS[previous], "new": level.numeral,
                    "n": len(tasks)},
                 data={"activation": activation.pk, "previous": previous, "level": level.level})
    stream.publish(events.ACTIVATION_UPDATED, activation)
    for task in tasks:
        _emit_task(task, "task.created")
    return activation


def _add_tasks(activation: Activation, level: ResponseLevel) -> list[Task]:
    now = activation.activated_at if not activation.tasks.exists() else timezone.now()
    existing = set(activation.tasks.values_list("key", flat=True))
    created = []
    for action in level.actions.select_related("responsible_agency").order_by("order", "id"):
        key = task_key(action.title)
        if key in existing:
            continue
        existing.add(key)
        task = Task.objects.create(
            activation=activation, incident=activation.incident, action=action, level=level.level,
            order=action.order, key=key, title=action.title, instructions=action.instructions,
            responsible=action.responsible, due_at=now + dt.timedelta(minutes=action.time_limit_min),
            created_at=now)
        _defer_overdue_check(task)
        created.append(task)
    return created


def task_key(title: str) -> str:
    return " ".join(title.split()).casefold()[:200]


def _defer_overdue_check(task: Task) -> None:
    # Deferred on Django's connection, so the job row commits or rolls back with the task.
    flag_overdue_task.configure(schedule_at=task.due_at).defer(task_id=task.pk)


def _emit_task(task: Task, type_: str) -> None:
    stream.publish({"task.created": events.TASK_CREATED, "task.updated": events.TASK_UPDATED}[type_], task)


def _valid_level(level) -> str:
    if level not in Severity.values:
        raise DomainError(_("Level must be one of I, II, III, IV (got “%(lv)s”).") % {"lv": level})
    return level


def _published_plan(plan_id) -> Plan:
    plan = _get(Plan, plan_id, _("No contingency plan %(id)s."))
    if plan.status != Plan.Status.PUBLISHED:
        raise DomainError(_("Plan %(code)s v%(v)s is %(status)s; only a published plan can be activated.")
                          % {"code": plan.code, "v": plan.version, "status": plan.get_status_display()},
                          status=409)
    return plan


def _plan_level(plan: Plan, level: str) -> ResponseLevel:
    found = plan.levels.filter(level=level).first()
    if found is None:
        have = ", ".join(SEVERITY_NUMERALS[lv] for lv in plan.levels.values_list("level", flat=True)) or "—"
        raise DomainError(_("Plan %(code)s has no level %(lv)s (it has: %(have)s).")
                          % {"code": plan.code, "lv": SEVERITY_NUMERALS[level], "have": have})
    return found


def _get(model, pk, message):
    try:
        return model.objects.get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError):
        raise DomainError(message % {"id": pk}, status=404) from None


# --- durable jobs (procrastinate) ---------------------------------------------------------
# Declared beside the service they run, so the services above defer them without importing
# plans.tasks (which re-exports them for procrastinate) and no import loop exists.

@jobs.task(name="plans.flag_overdue_task", queue="plans")
def flag_overdue_task(task_id: int) -> None:
    task_flag_overdue(task_id=task_id)
