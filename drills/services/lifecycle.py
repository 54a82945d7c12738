"""A drill's life: planned, started (its injects deferred), ended, its units released; drills
that fall due (the regulations' intervals) flagged."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from procrastinate.contrib.django import app as jobs

import stream
from core.errors import DomainError
from core.params import is_id
from core.roles import COMMAND_ROLES, has_role
from drills import events
from drills.models import (
    Drill,
    InjectRun,
    OverdueDrill,
    Scenario,
)
from drills.services.base import DIRECT_ROLES, START_TOLERANCE, _locked_drill, _require, _valid_speed
from drills.services.injects import play_inject
from incidents.models import Incident

# --- drills ------------------------------------------------------------------------

def drill_plan(*, actor, scenario_id: int, speed: int = 1, start: bool = False) -> Drill:
    """A drill of a scenario, not started yet, or started at once (one transaction either way)."""
    _require(actor, DIRECT_ROLES, _("Only dispatchers and commanders may direct drills."))
    scenario = Scenario.objects.filter(pk=scenario_id).first() if is_id(scenario_id) else None
    if scenario is None:
        raise DomainError(_("No drill scenario %(id)s.") % {"id": scenario_id}, status=404)
    speed = _valid_speed(scenario, speed)
    if not scenario.injects.exists():
        raise DomainError(_("Scenario “%(t)s” has no injects: add them in the admin first.") % {"t": scenario.title})
    with transaction.atomic():
        drill = Drill.objects.create(scenario=scenario, speed=speed, created_by=actor)
        return drill_start(actor=actor, drill_id=drill.pk) if start else drill


def drill_start(*, actor, drill_id: int, start_at: dt.datetime | None = None) -> Drill:
    """Start a drill: every inject becomes a durable job due at start + offset / speed."""
    _require(actor, DIRECT_ROLES, _("Only dispatchers and commanders may direct drills."))
    now = timezone.now()
    if start_at is not None and start_at < now - START_TOLERANCE:
        raise DomainError(_("The start time is in the past: its injects would be played late. "
                            "Start now, or give a time from now on."))
    with transaction.atomic():
        drill = _locked_drill(drill_id)
        if drill.status != Drill.Status.PLANNED:
            raise DomainError(_("This drill is already %(s)s; it can be started only once. "
                                "Plan a new drill to run the scenario again.")
                              % {"s": drill.get_status_display()}, status=409)
        # One running drill per scenario: a double-click on "plan and start" (or two directors at
        # once) would otherwise play every inject twice. The scenario's row lock orders them.
        Scenario.objects.select_for_update().filter(pk=drill.scenario_id).first()
        running = Drill.objects.filter(scenario_id=drill.scenario_id, status=Drill.Status.RUNNING).first()
        if running is not None:
            raise DomainError(_("A drill of this scenario is already running (#%(id)s): end it before starting "
                                "another.") % {"id": running.pk}, status=409, data={"drill": running.pk})
        injects = list(drill.scenario.injects.order_by("offset_s", "id"))
        if not injects:
            raise DomainError(_("The scenario has no injects left to play."))
        drill.status, drill.started_at, drill.started_by = Drill.Status.RUNNING, start_at or now, actor
        drill.save(update_fields=["status", "started_at", "started_by"])
        for inject in injects:
            run = InjectRun.objects.create(drill=drill, inject=inject, due_at=drill.at(inject.offset_s))
            play_inject.configure(schedule_at=run.due_at).defer(run_id=run.pk)
        stream.publish(events.DRILL_STARTED, drill)
        return drill


def drill_end(*, actor, drill_id: int, summary: str = "") -> Drill:
    """End a running drill: injects not yet played are skipped, units go back to service at
    once, the exercise incidents close; a commander's ending also ends the plan responses."""
    _require(actor, DIRECT_ROLES, _("Only dispatchers and commanders may direct drills."))
    with transaction.atomic():
        drill = _locked_drill(drill_id)
        if drill.status != Drill.Status.RUNNING:
            raise DomainError(_("This drill is %(s)s, not running: only a running drill can be ended.")
                              % {"s": drill.get_status_display()}, status=409)
        now = timezone.now()
        drill.runs.filter(status=InjectRun.Status.SCHEDULED).update(status=InjectRun.Status.SKIPPED)
        _adopt_alarm_incidents(drill)
        for incident in drill.incidents.order_by("pk"):
            _wind_down(actor, incident)
        alarm_ids = list(drill.alarms.values_list("pk", flat=True))
        if alarm_ids:
            from monitoring.exercise import exercise_alarms_clear

            exercise_alarms_clear(actor=actor, alarm_ids=alarm_ids, note=_("The drill ended."))
        drill.status, drill.ended_at, drill.ended_by = Drill.Status.ENDED, now, actor
        drill.summary = (summary or drill.summary).strip()
        drill.save(update_fields=["status", "ended_at", "ended_by", "summary"])
        _held(drill)
        stream.publish(events.DRILL_ENDED, drill)
        return drill


def _held(drill: Drill) -> None:
    """A drill of a plan ended: its overdue flags are settled, and the next due date gets its
    own job (the periodic sweep would find it too; this one runs at the due time itself)."""
    from drills.selectors import drills_due

    plan_id = drill.scenario.plan_id
    if plan_id is None:
        return
    flags = OverdueDrill.objects.filter(plan_id=plan_id, held_at__isnull=True)
    if drill.scenario.enterprise_id is not None:  # a drill naming no enterprise counts for all
        flags = flags.filter(enterprise_id=drill.scenario.enterprise_id)
    flags.update(held_at=drill.ended_at)
    for due_on in sorted({row.due_on for row in drills_due(plan_id=plan_id) if not row.overdue}):
        flag_overdue_drills.configure(schedule_at=_day_after(due_on)).defer(plan_id=plan_id)


def _day_after(day: dt.date) -> dt.datetime:
    """The first moment a drill due on `day` is overdue: local midnight after it."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def drills_flag_overdue(*, today: dt.date | None = None, plan_id: int | None = None) -> list[OverdueDrill]:
    """Flag every plan (per enterprise) whose periodic drill is past due and not yet flagged for
    that due date, and tell the consoles and the enterprise (`drill.overdue`). Once per due
    date: the unique key decides, however many jobs run it at once."""
    from drills.selectors import drills_due

    flagged = []
    with transaction.atomic():
        for row in drills_due(today=today, plan_id=plan_id):
            if not row.overdue:
                continue
            flag, created = OverdueDrill.objects.get_or_create(
                plan=row.plan, enterprise=row.enterprise, due_on=row.due_on, defaults={"last_drill": row.last_drill})
            if created:
                flag.interval_months = row.interval_months
                stream.publish(events.DRILL_OVERDUE, flag)
                flagged.append(flag)
    return flagged


def _adopt_alarm_incidents(drill: Drill) -> None:
    """An operator may have logged an incident from one of the drill's exercise alarms (one
    click on the console): it is the drill's incident too, released and closed with it."""
    extra = (Incident.objects.filter(alarms__in=drill.alarms.all(), exercise=True)
             .exclude(pk__in=drill.incidents.values("pk")).distinct())
    if extra:
        drill.incidents.add(*extra)


def drill_release_units(*, actor, drill_id: int) -> int:
    """Every unit on the drill's incidents back to service at once; the drill goes on."""
    from incidents.services import exercise_units_release

    _require(actor, DIRECT_ROLES, _("Only dispatchers and commanders may release units."))
    with transaction.atomic():
        drill = _locked_drill(drill_id)
        _adopt_alarm_incidents(drill)
        released = 0
        for incident in drill.incidents.order_by("pk"):
            released += len(exercise_units_release(actor=actor, incident_id=incident.pk,
                                                   reason=_("Released from drill %(d)s.") % {"d": drill}))
        return released


def _wind_down(actor, incident: Incident) -> None:
    from incidents import services as incident_services

    incident_services.exercise_units_release(actor=actor, incident_id=incident.pk, reason=_("The drill ended."))
    if has_role(actor, COMMAND_ROLES):
        from plans.models import Activation
        from plans.services import activation_end

        for activation in Activation.objects.filter(incident=incident, status=Activation.Status.ACTIVE):
            activation_end(actor=actor, activation_id=activation.pk, reason=_("The drill ended."))
    incident.refresh_from_db()
    if incident.status == Incident.Status.IN_PROGRESS:
        incident_services.incident_change_status(actor=actor, incident_id=incident.pk, status="contained")
        incident.refresh_from_db()
    if incident.is_open:
        incident_services.incident_change_status(actor=actor, incident_id=incident.pk, status="closed",
                                                 note=_("The drill ended."))


# --- durable jobs (procrastinate) ---------------------------------------------------------
# Declared beside the services they run, so services defer them without importing
# drills.tasks (which re-exports them for procrastinate): no import loop.


@jobs.task(name="drills.flag_overdue_drills", queue="drills")
def flag_overdue_drills(plan_id: int | None = None) -> None:
    drills_flag_overdue(plan_id=plan_id)


# The sweep behind the per-drill jobs: catches plans published or changed since, and a
# worker that was down at the due time. Hourly: a lapse is flagged within the hour.
@jobs.periodic(cron="5 * * * *")
@jobs.task(name="drills.sweep_overdue_drills", queue="drills")
def sweep_overdue_drills(timestamp: int) -> None:
    drills_flag_overdue()
