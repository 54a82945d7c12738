"""Injects played through the services a real event uses, each a durable job, played once."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from procrastinate.contrib.django import app as jobs

import stream
from core.errors import DomainError
from drills import events
from drills.models import (
    Drill,
    Inject,
    InjectRun,
)
from drills.services.base import _locked_drill
from incidents.models import Incident
from incidents.services import incident_release_model

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


@jobs.task(name="drills.play_inject", queue="drills")
def play_inject(run_id: int) -> None:
    inject_play(run_id=run_id)
