"""Exercise alarms (演练报警): a drill's alarm inject raised as a real alarm of a real point.

The alarm is an ordinary Alarm row with `exercise=True`, so every console, the alarm list,
the API and the stream show it as any alarm, labelled 演练 / EXERCISE (the payload carries
`exercise`), and it is acknowledged and turned into an (exercise) incident by the same
services as a real one (monitoring.services.alarm_acknowledge / alarm_create_incident).

What it must never do is disturb the real plant picture:
- It lives in its own slot (EXERCISE_SLOT), not `process` or `diagnostic`: the engine's
  transitions look up the open alarm of *their* slot, peaks are tracked on `process` only,
  and the one-open-alarm-per-slot constraint keeps a real alarm and a drill's alarm on the
  same point apart (a real HH during a drill is raised as usual).
- The point's engine state, state, last value and readings are not touched: no reading is
  written, the map and the enterprise colours keep the real state.
- Statistics leave it out (monitoring.selectors.alarm_rate, safety.selectors count
  `exercise=False` only).

Lock order as in monitoring.services: point → alarm.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.roles import DISPATCH_ROLES, require_role
from monitoring.events import ALARM_RAISED, ALARM_UPDATED
from monitoring.models import Alarm, AlarmEntry, MonitoringPoint

# Emitted exactly as monitoring.services emits a real alarm's events (same audiences, same
# payload): consoles cannot tell the path apart, only the `exercise` flag.
from monitoring.services import _emit, escalate_alarm

EXERCISE_SLOT = Alarm.Slot.EXERCISE  # "exercise"
# The levels a drill may raise: the process limits (an instrument fault is not rehearsed).
LEVELS = ("h", "hh", "l", "ll")
_SEVERITY = {"h": 1, "l": 1, "hh": 2, "ll": 2}


@transaction.atomic
def alarm_raise_exercise(*, actor, point_code: str, level: str, value: float | None = None,
                         incident_id: int | None = None) -> Alarm:
    """Raise an exercise alarm on a point, as a drill's director.

    `value` defaults to the point's limit for the level. A second exercise alarm on a point
    whose exercise alarm is still open escalates it when the level is worse (a fresh
    acknowledgement is needed, as for a real escalation), else it is refused (409).
    `incident_id` links the alarm to the drill's incident (the console shows the link and
    offers no second incident from it).
    """
    require_role(actor, DISPATCH_ROLES, _("Only dispatchers and commanders may raise exercise alarms."))
    if level not in LEVELS:
        raise DomainError(_("Level must be one of %(levels)s (got “%(l)s”).") % {"levels": ", ".join(LEVELS),
                                                                                  "l": level})
    point = MonitoringPoint.objects.select_for_update().filter(code=point_code).first() if point_code else None
    if point is None:
        raise DomainError(_("No monitoring point “%(code)s”.") % {"code": point_code}, status=404)
    if value is None:
        value = point.limits.get(level)
    if value is not None and not isinstance(value, int | float):
        raise DomainError(_("The value must be a number."))
    incident = None
    if incident_id is not None:
        from incidents.models import Incident

        incident = Incident.objects.filter(pk=incident_id).only("pk", "exercise").first()
        if incident is None:
            raise DomainError(_("No incident %(id)s.") % {"id": incident_id}, status=404)
        if not incident.exercise:
            raise DomainError(_("An exercise alarm belongs to an exercise incident, not a real one."), status=409)
    now = timezone.now()
    alarm = (Alarm.objects.select_for_update(of=("self",)).select_related("point__risk_source", "acknowledged_by")
             .filter(point=point, slot=EXERCISE_SLOT, cleared_at__isnull=True).first())
    if alarm is not None:
        if _SEVERITY[level] <= _SEVERITY.get(alarm.level, 0):
            raise DomainError(_("An exercise %(level)s alarm is already open on %(code)s.") % {
                "level": alarm.get_level_display(), "code": point.code}, status=409, data={"alarm": alarm.pk})
        alarm.level, alarm.state = level, Alarm.State.ACTIVE
        alarm.peak_value = value if value is not None else alarm.peak_value
        alarm.save(update_fields=["level", "state", "peak_value"])
        AlarmEntry.objects.create(alarm=alarm, at=now, kind="escalated", level=level, value=value, actor=actor,
                                  note=_("Exercise (演练)."))
        _emit(alarm, ALARM_UPDATED.name, change="escalated")
    else:
        alarm = Alarm.objects.create(point=point, slot=EXERCISE_SLOT, level=level, raised_at=now, raise_value=value,
                                     peak_value=value, incident=incident, exercise=True)
        AlarmEntry.objects.create(alarm=alarm, at=now, kind="raised", level=level, value=value, actor=actor,
                                  note=_("Exercise (演练)."))
        _emit(alarm, ALARM_RAISED.name, change="raised")
    if alarm.level == "hh":
        # As a real HH: unacknowledged, it goes to the officers on duty and the responsible
        # persons (the payload says exercise, so their screens say 演练).
        escalate_alarm.configure(schedule_in={"seconds": settings.MONITORING_HH_ESCALATION_S}).defer(
            alarm_id=alarm.pk)
    return alarm


@transaction.atomic
def exercise_alarms_clear(*, actor, alarm_ids, note: str = "") -> list[Alarm]:
    """Clear open exercise alarms (the drill ended). Real alarms in the list are left alone."""
    require_role(actor, DISPATCH_ROLES, _("Only dispatchers and commanders may clear exercise alarms."))
    ids = sorted(set(alarm_ids))
    point_ids = sorted(set(Alarm.objects.filter(pk__in=ids).values_list("point_id", flat=True)))
    list(MonitoringPoint.objects.select_for_update().filter(pk__in=point_ids).order_by("pk").values_list("pk"))
    alarms = list(Alarm.objects.select_for_update(of=("self",)).select_related("point__risk_source", "acknowledged_by")
                  .filter(pk__in=ids, exercise=True, cleared_at__isnull=True).order_by("pk"))
    now = timezone.now()
    for alarm in alarms:
        alarm.state, alarm.cleared_at = Alarm.State.CLEARED, now
        alarm.save(update_fields=["state", "cleared_at"])
        AlarmEntry.objects.create(alarm=alarm, at=now, kind="cleared", level=alarm.level, actor=actor,
                                  note=note or _("Exercise (演练) ended."))
        _emit(alarm, ALARM_UPDATED.name, change="cleared")
    return alarms
