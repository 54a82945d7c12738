"""Every write of drills, scenarios' runs, findings and incident reports. One transaction each.

Injects are played through the services a real event uses (incidents, hazards, monitoring),
as the drill's director, with every object they create marked as an exercise. Each inject is
a durable procrastinate job deferred in the transaction that starts the drill, due at
T + offset / speed: a worker restart loses none, and a job run twice plays its inject once
(the InjectRun row is locked and checked first).

Lock order: drill → scenario → inject run, then the called service's own locks.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from procrastinate.contrib.django import app as jobs

import stream
from core.errors import DomainError
from core.params import is_id
from core.roles import COMMAND_ROLES, DISPATCH_ROLES, INTAKE_ROLES, PLANNER, has_role, require_role
from drills import events
from drills.models import (
    Drill,
    Finding,
    IncidentReport,
    Inject,
    InjectRun,
    OverdueDrill,
    RevisionTask,
    Scenario,
)
from incidents.models import Incident
from incidents.services import incident_lock, incident_release_model, timeline_add

# Who directs drills: those who may send units (a drill sends real units) and end them.
DIRECT_ROLES = DISPATCH_ROLES
# Who evaluates: commanders and planners (the plan's owners).
EVALUATE_ROLES = COMMAND_ROLES | {PLANNER}
MAX_SPEED = 60
# A start time this far in the past is a clock skew, not a request to play injects late.
START_TOLERANCE = dt.timedelta(seconds=5)


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


# --- injects -------------------------------------------------------------------------

def inject_play(*, run_id: int) -> InjectRun | None:
    """Run by the job: play one inject once, through the real services, as the director.

    A service's refusal (a DomainError) is the drill's business, not the worker's: it is
    recorded on the run as a failure with its message, and the drill goes on.
    """
    with transaction.atomic():
        run = InjectRun.objects.filter(pk=run_id).select_related("drill").first()
        if run is None:
            return None
        drill = _locked_drill(run.drill_id)
        run = InjectRun.objects.select_for_update().select_related("inject").get(pk=run_id)
        if run.status != InjectRun.Status.SCHEDULED or drill.status != Drill.Status.RUNNING:
            return run  # played already (a job run twice), or the drill ended
        try:
            _check_inject(run.inject)
            with transaction.atomic():
                incident, result = _PLAYERS[run.inject.kind](drill, run.inject)
        except DomainError as exc:
            run.status, run.result = InjectRun.Status.FAILED, str(exc.message)
        else:
            run.status, run.result, run.incident = InjectRun.Status.FIRED, result, incident
            if incident is not None:
                drill.incidents.add(incident)
        run.fired_at = timezone.now()
        run.save(update_fields=["status", "result", "incident", "fired_at"])
        stream.publish(events.INJECT_FIRED, run)
        return run


def _play_call(drill: Drill, inject: Inject):
    from incidents.services import incident_log

    incident = incident_log(
        actor=drill.started_by, type_code=inject.incident_type.code, severity=inject.severity,
        lon=inject.location.x, lat=inject.location.y, title=inject.title, address=inject.address,
        caller_name=inject.caller_name, caller_phone=inject.caller_phone, description=inject.text, exercise=True)
    return incident, _("Incident %(n)s logged.") % {"n": incident.number}


def _play_further_call(drill: Drill, inject: Inject):
    from incidents.services import incident_record_call

    incident = _need_incident(drill)
    incident_record_call(actor=drill.started_by, incident_id=incident.pk, caller_name=inject.caller_name,
                         caller_phone=inject.caller_phone, note=inject.text or inject.title)
    return incident, _("Further call recorded on %(n)s.") % {"n": incident.number}


def _play_alarm(drill: Drill, inject: Inject):
    """A park alarm: a real exercise alarm on the chosen point (monitoring.exercise), on every
    console, the alarm list, the map and the stream, labelled 演练 / EXERCISE; acknowledged and
    turned into an incident like any alarm. The point's real state and readings are untouched."""
    from monitoring.exercise import alarm_raise_exercise

    if inject.point is None:
        raise DomainError(_("The alarm inject names no monitoring point (was it deleted?): fix it in the scenario."))
    # Not linked to the drill's incident: whether the operator acknowledges it and logs an
    # incident from it (one click, an exercise incident) is part of what the drill rehearses.
    alarm = alarm_raise_exercise(actor=drill.started_by, point_code=inject.point.code, level=inject.level,
                                 value=inject.value)
    drill.alarms.add(alarm)
    return drill.primary_incident, _("Exercise alarm #%(id)s (%(level)s) raised on %(code)s.") % {
        "id": alarm.pk, "level": alarm.get_level_display(), "code": inject.point.code}


def _play_release(drill: Drill, inject: Inject):
    incident = drill.primary_incident
    release = incident_release_model(
        user=drill.started_by, chemical=inject.chemical_cas, rate_kg_s=inject.rate_kg_s,
        wind_speed_ms=inject.wind_speed_ms, wind_from_deg=inject.wind_from_deg, stability=inject.stability,
        location=inject.location, incident=incident.pk if incident else None, exercise=True)
    drill.releases.add(release)
    return incident, _("Release #%(id)s modelled: %(n)d threat zones.") % {"id": release.pk,
                                                                          "n": release.zones.count()}


def _play_wind_change(drill: Drill, inject: Inject):
    last = drill.releases.select_related("incident_link__incident").order_by("-created_at", "-id").first()
    if last is None:
        raise DomainError(_("A wind change needs a release earlier in the drill."))
    link = getattr(last, "incident_link", None)
    release = incident_release_model(
        user=drill.started_by, chemical=last.chemical.cas, rate_kg_s=last.rate_kg_s, duration_s=last.duration_s,
        wind_speed_ms=inject.wind_speed_ms, wind_from_deg=inject.wind_from_deg,
        stability=inject.stability or last.stability, location=last.location, terrain=last.terrain,
        incident=link.incident_id if link else None, exercise=True)
    drill.releases.add(release)
    return (link.incident if link else None), _("Wind now %(s)g m/s from %(d)g°: release re-modelled as #%(id)s.") % {
        "s": inject.wind_speed_ms, "d": inject.wind_from_deg, "id": release.pk}


def _play_message(drill: Drill, inject: Inject):
    from incidents.services import incident_add_note

    incident = drill.primary_incident
    if incident is not None:
        incident_add_note(actor=drill.started_by, incident_id=incident.pk, text=inject.text)
    return incident, inject.text


_PLAYERS = {
    Inject.Kind.CALL: _play_call,
    Inject.Kind.FURTHER_CALL: _play_further_call,
    Inject.Kind.ALARM: _play_alarm,
    Inject.Kind.RELEASE: _play_release,
    Inject.Kind.WIND_CHANGE: _play_wind_change,
    Inject.Kind.MESSAGE: _play_message,
}


def _check_inject(inject: Inject) -> None:
    """An inject edited into an incomplete state after the drill started fails with the reason."""
    from django.core.exceptions import ValidationError

    try:
        inject.clean()
    except ValidationError as exc:
        fields = ", ".join(sorted(getattr(exc, "message_dict", {}) or ["?"]))
        raise DomainError(_("The inject is incomplete (%(fields)s): fix it in the scenario.") % {"fields": fields}) from None
    if inject.kind not in _PLAYERS:
        raise DomainError(_("Unknown inject kind “%(k)s”.") % {"k": inject.kind})


def _need_incident(drill: Drill) -> Incident:
    incident = drill.primary_incident
    if incident is None:
        raise DomainError(_("This inject needs the drill's incident, and no call has logged one yet."))
    return incident


# --- evaluation ------------------------------------------------------------------------

def finding_record(*, actor, category: str, text: str, element: str = "other", recommendation: str = "",
                   drill_id: int | None = None, incident_id: int | None = None) -> Finding:
    _require(actor, EVALUATE_ROLES, _("Only commanders and planners may record evaluation findings."))
    text = (text or "").strip()
    errors = {}
    if not text:
        errors["text"] = [_("Write the finding.")]
    if category not in Finding.Category.values:
        errors["category"] = [_("Choose one of: %(c)s.") % {"c": ", ".join(Finding.Category.values)}]
    if element not in Finding.Element.values:
        errors["element"] = [_("Choose one of: %(c)s.") % {"c": ", ".join(Finding.Element.values)}]
    if errors:
        raise DomainError(_("The finding has errors: %(f)s.") % {"f": ", ".join(sorted(errors))}, data=errors)
    with transaction.atomic():
        drill = incident = None
        if drill_id is not None:
            drill = _locked_drill(drill_id)
            if drill.status != Drill.Status.ENDED:
                raise DomainError(_("Findings are recorded once the drill has ended."), status=409)
        elif incident_id is not None:
            incident = Incident.objects.filter(pk=incident_id).first() if is_id(incident_id) else None
            if incident is None:
                raise DomainError(_("No incident %(id)s.") % {"id": incident_id}, status=404)
        else:
            raise DomainError(_("A finding belongs to a drill or an incident."))
        finding = Finding.objects.create(drill=drill, incident=incident, category=category, element=element,
                                         text=text, recommendation=(recommendation or "").strip(), created_by=actor)
        stream.publish(events.FINDING_RECORDED, finding)
        return finding


def finding_open_revision(*, actor, finding_id: int, title: str = "", due_on: dt.date | None = None) -> RevisionTask:
    """Open a revision task on the rehearsed plan from a finding (once per finding)."""
    _require(actor, EVALUATE_ROLES, _("Only commanders and planners may open plan revisions."))
    with transaction.atomic():
        finding = (Finding.objects.select_for_update(of=("self",)).select_related("drill__scenario__plan")
                   .filter(pk=finding_id).first())
        if finding is None:
            raise DomainError(_("No finding %(id)s.") % {"id": finding_id}, status=404)
        if RevisionTask.objects.filter(finding=finding).exists():
            raise DomainError(_("This finding already has a revision task."), status=409)
        plan = finding.drill.scenario.plan if finding.drill_id else None
        if plan is None and finding.incident_id:
            from plans.models import Activation

            activation = Activation.objects.filter(incident_id=finding.incident_id).select_related("plan").first()
            plan = activation.plan if activation else None
        if plan is None:
            raise DomainError(_("No plan to revise: the drill's scenario names none and no plan was activated."),
                              status=409)
        today = timezone.localdate()
        due_on = due_on or today + dt.timedelta(days=getattr(settings, "DRILLS_REVISION_DAYS", 30))
        if due_on < today:
            raise DomainError(_("The due date is in the past."))
        task = RevisionTask.objects.create(plan=plan, finding=finding, due_on=due_on, created_by=actor,
                                           title=(title or "").strip()[:200] or finding.text[:200])
        stream.publish(events.FINDING_RECORDED, finding)
        return task


# --- incident reports (初报 / 续报 / 终报) -------------------------------------------

def incident_report_file(*, actor, incident_id: int, kind: str, text: str, channel: str = "written") -> IncidentReport:
    _require(actor, INTAKE_ROLES, _("Only duty officers, dispatchers and commanders file incident reports."))
    if kind not in IncidentReport.Kind.values:
        raise DomainError(_("Kind must be initial, followup or final (got “%(k)s”).") % {"k": kind})
    if channel not in IncidentReport.Channel.values:
        raise DomainError(_("Channel must be phone or written (got “%(c)s”).") % {"c": channel})
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write the report's text."))
    with transaction.atomic():
        incident = incident_lock(incident_id=incident_id)
        filed = set(incident.reports.values_list("kind", flat=True))
        if kind != IncidentReport.Kind.INITIAL and IncidentReport.Kind.INITIAL not in filed:
            raise DomainError(_("File the first report (初报) before any other."), status=409)
        if kind == IncidentReport.Kind.FINAL:
            if incident.is_open:
                raise DomainError(_("The final report (终报) follows the incident's closing."), status=409)
            if IncidentReport.Kind.FINAL in filed:
                raise DomainError(_("The final report (终报) has been filed already."), status=409)
        report = IncidentReport.objects.create(incident=incident, kind=kind, channel=channel, text=text,
                                               filed_by=actor)
        timeline_add(incident=incident, actor=actor, kind="report",
                     text=_("%(kind)s filed (%(channel)s).") % {
                         "kind": report.get_kind_display(), "channel": report.get_channel_display()},
                     data={"report": report.pk, "kind": kind})
        stream.publish(events.INCIDENT_REPORT_FILED, report)
        return report


# --- helpers -------------------------------------------------------------------------

_require = require_role


def _locked_drill(drill_id) -> Drill:
    if not is_id(drill_id):
        raise DomainError(_("No drill %(id)s.") % {"id": drill_id}, status=404)
    try:
        return Drill.objects.select_for_update(of=("self",)).select_related("scenario").get(pk=drill_id)
    except (Drill.DoesNotExist, ValueError, TypeError):
        raise DomainError(_("No drill %(id)s.") % {"id": drill_id}, status=404) from None


def _valid_speed(scenario: Scenario, speed) -> int:
    if isinstance(speed, bool) or not isinstance(speed, int) or not 1 <= speed <= MAX_SPEED:
        raise DomainError(_("Speed must be a whole number from 1 to %(max)d.") % {"max": MAX_SPEED})
    if scenario.kind == Scenario.Kind.LIVE and speed != 1:
        raise DomainError(_("A live drill runs in real time (speed 1): units really drive."))
    return speed


# --- durable jobs (procrastinate) ---------------------------------------------------------
# Declared beside the services they run, so services defer them without importing
# drills.tasks (which re-exports them for procrastinate): no import loop.

@jobs.task(name="drills.play_inject", queue="drills")
def play_inject(run_id: int) -> None:
    inject_play(run_id=run_id)


@jobs.task(name="drills.flag_overdue_drills", queue="drills")
def flag_overdue_drills(plan_id: int | None = None) -> None:
    drills_flag_overdue(plan_id=plan_id)


# The sweep behind the per-drill jobs: catches plans published or changed since, and a
# worker that was down at the due time. Hourly: a lapse is flagged within the hour.
@jobs.periodic(cron="5 * * * *")
@jobs.task(name="drills.sweep_overdue_drills", queue="drills")
def sweep_overdue_drills(timestamp: int) -> None:
    drills_flag_overdue()
