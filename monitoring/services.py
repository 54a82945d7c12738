"""Every write of park monitoring except the readings themselves (monitoring.store). One
transaction per call; stream events emitted inside it.

Lock order: monitoring points by id (ascending) → alarms. `_apply` writes one engine
transition; its caller holds the point's row lock (monitoring.store, points_check_offline,
the alarm actions below).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from procrastinate.contrib.django import app as jobs

import stream
from core.errors import DomainError
from core.retry import TRANSIENT_DATABASE_ERRORS
from core.roles import ALARM_ACK_ROLES, INTAKE_ROLES, enterprise_scope, require_role
from monitoring import engine
from monitoring.events import ALARM_RAISED, ALARM_UPDATED
from monitoring.models import Alarm, AlarmEntry, DeadLetter, MonitoringPoint, PointKind
from notices import services as notice_services

EVENT_RAISED = ALARM_RAISED.name
EVENT_UPDATED = ALARM_UPDATED.name


# --- readings ----------------------------------------------------------------------------

@transaction.atomic
def points_check_offline(*, now: dt.datetime | None = None) -> int:
    """Raise `offline` for points silent for 3 × their interval. Run every few seconds by the
    ingester (any number of them: the row lock and the engine state make it happen once)."""
    now = now or timezone.now()
    silent = list(MonitoringPoint.objects.select_for_update(skip_locked=True).extra(
        where=["state <> 'offline'", "last_ts <= %s - make_interval(secs => interval_s * %s)"],
        params=[now, engine.OFFLINE_AFTER_INTERVALS]).order_by("pk"))
    count = 0
    for point in silent:
        state, moved = engine.tick(point.engine_config, engine.State.from_dict(point.engine_state), now.timestamp())
        point.engine_state = state.as_dict()
        point.state = state.point_state
        point.save(update_fields=["engine_state", "state"])
        for transition in moved:
            _apply(point, transition)
        count += len(moved)
    return count


# Serialises the cap check of concurrent writers (ingesters, the HTTP API): an arbitrary
# constant key of this one purpose.
_DEAD_LETTER_LOCK = 0x6D6F6E_646C  # "mon" "dl"


def clean_text(text: str, limit: int) -> str:
    """Text PostgreSQL accepts: no NUL, no lone surrogate (shown escaped), at most `limit`
    characters. Whatever a sender put in a payload or a point code, a dead letter stores."""
    text = text[:limit]
    if "\x00" in text:
        text = text.replace("\x00", "\\x00")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text[:limit]


@transaction.atomic
def dead_letters_record(*, items: Iterable[tuple]) -> int:
    """(source, topic or sender, reason, payload[, unusable items]) of input that could not be
    used, one per message. Kept within MONITORING_DEAD_LETTERS_PER_SENDER letters a sender and
    MONITORING_DEAD_LETTERS_MAX_BYTES in all; beyond, only counted (DeadLetterDrop). Answers
    the number stored."""
    letters = []
    for source, topic, reason, payload, *count in items:
        letter = DeadLetter(source=clean_text(source, 8), topic=clean_text(topic, 200),
                            reason=clean_text(reason, 300), payload=clean_text(payload or "", 2000),
                            items=count[0] if count else 1)
        letter.size = len(letter.topic.encode()) + len(letter.reason.encode()) + len(letter.payload.encode()) + 64
        letters.append(letter)
    if not letters:
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_DEAD_LETTER_LOCK])
        cursor.execute("SELECT coalesce(sum(size), 0) FROM monitoring_deadletter")
        total = cursor.fetchone()[0]
        cursor.execute("SELECT topic, count(*) FROM monitoring_deadletter WHERE topic = ANY(%s) GROUP BY topic",
                       [sorted({letter.topic for letter in letters})])
        counts = dict(cursor.fetchall())
    per_sender = settings.MONITORING_DEAD_LETTERS_PER_SENDER
    most = settings.MONITORING_DEAD_LETTERS_MAX_BYTES
    keep, dropped = [], {}
    for letter in letters:
        cap = ("sender" if counts.get(letter.topic, 0) >= per_sender
               else "total" if total + letter.size > most else None)
        if cap is None:
            keep.append(letter)
            counts[letter.topic] = counts.get(letter.topic, 0) + 1
            total += letter.size
        else:
            n, size, _cap = dropped.get(letter.topic, (0, 0, cap))
            dropped[letter.topic] = (n + 1, size + letter.size, cap)
    DeadLetter.objects.bulk_create(keep)
    if dropped:
        now = timezone.now()
        with connection.cursor() as cursor:
            for sender, (n, size, cap) in sorted(dropped.items()):
                cursor.execute("""
                    INSERT INTO monitoring_deadletterdrop (sender, cap, messages, bytes, first_at, last_at)
                    VALUES (%s, %s, %s, %s, %s, %s)
                    ON CONFLICT (sender) DO UPDATE SET cap = EXCLUDED.cap,
                        messages = monitoring_deadletterdrop.messages + EXCLUDED.messages,
                        bytes = monitoring_deadletterdrop.bytes + EXCLUDED.bytes, last_at = EXCLUDED.last_at""",
                               [sender, cap, n, size, now, now])
    return len(keep)


# 危险化学品重大危险源监督管理暂行规定 (原安监总局令第40号) Art. 13: the electronic records of a
# major hazard source's monitoring are kept at least 30 days.
READINGS_MINIMUM_DAYS = 30


@transaction.atomic
def readings_purge(*, older_than_days: int | None = None) -> int:
    """Delete readings past the retention period (MONITORING_RETENTION_DAYS); the BRIN index
    on ts makes the range cheap to find. Dead letters older than that go too. Never fewer than
    READINGS_MINIMUM_DAYS, whatever the setting or the caller says: the law asks for 30."""
    days = settings.MONITORING_RETENTION_DAYS if older_than_days is None else older_than_days
    days = max(days, READINGS_MINIMUM_DAYS)
    cutoff = timezone.now() - dt.timedelta(days=days)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM monitoring_reading WHERE ts < %s", [cutoff])
        deleted = cursor.rowcount
    DeadLetter.objects.filter(received_at__lt=cutoff).delete()
    return deleted


# --- alarms ------------------------------------------------------------------------------

def _apply(point: MonitoringPoint, t: engine.Transition) -> Alarm:
    """Write one engine transition: the alarm row, its history, the event, the escalation job.
    Caller holds the point's row lock."""
    at = dt.datetime.fromtimestamp(t.ts, tz=dt.UTC)
    if t.action == "raise":
        alarm = Alarm.objects.create(point=point, slot=t.slot, level=t.level, raised_at=at, raise_value=t.value,
                                     peak_value=t.value)
        AlarmEntry.objects.create(alarm=alarm, at=at, kind="raised", level=t.level, value=t.value)
        _emit(alarm, EVENT_RAISED, change="raised")
    else:
        alarm = (Alarm.objects.select_for_update(of=("self",)).filter(point=point, slot=t.slot, cleared_at__isnull=True)
                 .select_related("point__risk_source", "acknowledged_by").first())
        if alarm is None:  # the engine and the table disagree (an admin closed it by hand): heal
            if t.action == "clear":
                return None
            return _apply(point, engine.Transition("raise", t.slot, t.level, t.ts, t.value))
        if t.action == "escalate":
            alarm.level = t.level
            # A worse level needs a fresh acknowledgement: it is news.
            alarm.state = Alarm.State.ACTIVE
            alarm.save(update_fields=["level", "state"])
            AlarmEntry.objects.create(alarm=alarm, at=at, kind="escalated", level=t.level, value=t.value)
            _emit(alarm, EVENT_UPDATED, change="escalated")
        else:
            alarm.state = Alarm.State.CLEARED
            alarm.cleared_at = at
            alarm.save(update_fields=["state", "cleared_at"])
            AlarmEntry.objects.create(alarm=alarm, at=at, kind="cleared", level=alarm.level, value=t.value)
            _emit(alarm, EVENT_UPDATED, change="cleared")
    if alarm.level == "hh" and alarm.state == Alarm.State.ACTIVE and t.action in ("raise", "escalate"):
        escalate_alarm.configure(schedule_in={"seconds": settings.MONITORING_HH_ESCALATION_S}).defer(
            alarm_id=alarm.pk)
    return alarm


def _emit(alarm: Alarm, type_: str, *, change: str, people=()) -> None:
    # Who hears it and what they get: monitoring.events, in one place.
    stream.publish(type_, alarm, change, tuple(people))


def _locked_alarm(alarm_id) -> Alarm:
    try:
        point_id = Alarm.objects.values_list("point_id", flat=True).get(pk=alarm_id)
    except (Alarm.DoesNotExist, ValueError, TypeError):
        raise DomainError(_("No alarm %(id)s.") % {"id": alarm_id}, status=404) from None
    MonitoringPoint.objects.select_for_update().filter(pk=point_id).first()
    return Alarm.objects.select_for_update(of=("self",)).select_related(
        "point__risk_source", "point__chemical", "acknowledged_by").get(pk=alarm_id)


@transaction.atomic
def alarm_acknowledge(*, actor, alarm_id: int, note: str = "") -> Alarm:
    """An operator has seen the alarm. Lock order: point → alarm."""
    require_role(actor, ALARM_ACK_ROLES, _(
        "Only the command centre, the park's safety supervisors and the enterprise's own safety officers may "
        "acknowledge alarms."))
    alarm = _locked_alarm(alarm_id)
    scope = enterprise_scope(actor)
    if scope is not None and (alarm.point.risk_source is None or alarm.point.risk_source.enterprise_id != scope):
        # Another enterprise's alarm: as if it did not exist (no hint of a neighbour's alarms).
        raise DomainError(_("No alarm %(id)s.") % {"id": alarm_id}, status=404)
    if alarm.state == Alarm.State.ACKNOWLEDGED:
        raise DomainError(_("This alarm is already acknowledged by %(who)s.") % {
            "who": alarm.acknowledged_by.get_username() if alarm.acknowledged_by else "?"}, status=409)
    if alarm.state == Alarm.State.CLEARED and alarm.acknowledged_at:
        raise DomainError(_("This alarm has cleared and was already acknowledged."), status=409)
    now = timezone.now()
    note = (note or "").strip()
    if alarm.state == Alarm.State.ACTIVE:
        alarm.state = Alarm.State.ACKNOWLEDGED
    alarm.acknowledged_at = now
    alarm.acknowledged_by = actor
    alarm.acknowledge_note = note
    alarm.save(update_fields=["state", "acknowledged_at", "acknowledged_by", "acknowledge_note"])
    AlarmEntry.objects.create(alarm=alarm, at=now, kind="acknowledged", level=alarm.level, actor=actor, note=note)
    if alarm.incident_id:
        _note_to_timeline(alarm, alarm.incident)
    _emit(alarm, EVENT_UPDATED, change="acknowledged")
    return alarm


def _note_to_timeline(alarm: Alarm, incident) -> None:
    """What the operator wrote on acknowledging goes where the incident's story is told: its
    timeline, and so its after-action report (issue 22, demo)."""
    from incidents.services import timeline_add

    if not alarm.acknowledge_note:
        return
    who = (alarm.acknowledged_by.get_full_name() or alarm.acknowledged_by.username) if alarm.acknowledged_by else "?"
    timeline_add(incident=incident, actor=alarm.acknowledged_by, kind="alarm.note",
                 data={"alarm": alarm.pk, "at": alarm.acknowledged_at.isoformat() if alarm.acknowledged_at else None},
                 text=_("Alarm #%(id)s acknowledged by %(who)s at %(at)s: %(note)s") % {
                     "id": alarm.pk, "who": who, "note": alarm.acknowledge_note,
                     "at": timezone.localtime(alarm.acknowledged_at).strftime("%H:%M:%S") if alarm.acknowledged_at else ""})


# Which incident type fits which kind of point (incidents.demo codes).
INCIDENT_TYPE_FOR_KIND = {
    PointKind.TEMPERATURE: "fire",
    PointKind.COMBUSTIBLE_GAS: "hazmat-leak",
    PointKind.TOXIC_GAS: "hazmat-leak",
}
DEFAULT_INCIDENT_TYPE = "hazmat-leak"


@transaction.atomic
def alarm_create_incident(*, actor, alarm_id: int, link_to: int | None = None, confirm_new: bool = False):
    """Log an incident from an alarm, in one click: the point's place, a fitting type, the risk
    source and its chemical (as the incident's own fields, and in the description for print);
    the alarm keeps the incident (the incident lists its alarms through the reverse relation).
    The chemical is the point's, else the source's main one; never a default. A second call is a 409.

    One leak is one incident (issue 22, point 6): when an open incident already stands on the
    same risk source or close by (a call came first), this is a 409 naming it, with `duplicates`
    in its data; `link_to` then files the alarm on that incident instead, and `confirm_new`
    logs a new one anyway. Lock order: point → alarm, then the incidents service's own locks."""
    from incidents.selectors import incidents_possible_duplicates
    from incidents.services import incident_log

    require_role(actor, INTAKE_ROLES, _("Only duty officers, dispatchers and commanders may log incidents."))
    alarm = _locked_alarm(alarm_id)
    if alarm.incident_id:
        raise DomainError(_("This alarm already has incident %(n)s.") % {"n": alarm.incident.number}, status=409,
                          data={"incident": alarm.incident_id})
    if link_to is not None:
        return alarm, _alarm_link_incident(actor, alarm, link_to)
    point = alarm.point
    source = point.risk_source
    chemical = point.chemical or _main_chemical(source)
    where = source or point
    location = (source.location if source else point.location)
    type_code = INCIDENT_TYPE_FOR_KIND.get(point.kind, DEFAULT_INCIDENT_TYPE)
    if not confirm_new:
        from incidents.models import IncidentType

        itype = IncidentType.objects.filter(code=type_code).first()
        same = incidents_possible_duplicates(incident_type=itype, location=location, exercise=alarm.exercise,
                                             risk_source_id=source.pk if source else None) if itype else []
        if same:
            raise DomainError(
                _("Incident %(n)s (%(title)s) is already open for this place: file the alarm on it, or confirm a "
                  "new incident.") % {"n": same[0].number, "title": same[0].title}, status=409,
                data={"duplicates": [{"id": i.pk, "number": i.number, "title": i.title,
                                      "same_risk_source": bool(source and i.risk_source_id == source.pk)}
                                     for i in same]})
    severity = "III" if alarm.level == "hh" else "IV"
    title = _("%(place)s: %(point)s %(level)s alarm") % {
        "place": where.name, "point": point.name, "level": alarm.get_level_display()}
    lines = [
        _("From alarm #%(id)s on point %(code)s (%(kind)s), level %(level)s, raised %(at)s, peak %(peak)s %(unit)s.") % {
            "id": alarm.pk, "code": point.code, "kind": point.get_kind_display(), "level": alarm.get_level_display(),
            "at": timezone.localtime(alarm.raised_at).strftime("%Y-%m-%d %H:%M:%S"),
            "peak": alarm.peak_value, "unit": point.unit},
    ]
    if source:
        lines.append(_("Risk source: %(code)s %(name)s (%(enterprise)s).") % {
            "code": source.code, "name": source.name, "enterprise": source.enterprise.name})
    if chemical:
        lines.append(_("Chemical: %(name)s %(en)s, CAS %(cas)s.") % {
            "name": chemical.name, "en": chemical.name_en, "cas": chemical.cas})
    if alarm.exercise:
        lines.insert(0, _("EXERCISE"))
    incident = incident_log(
        actor=actor, type_code=type_code, severity=severity,
        lon=location.x, lat=location.y, title=str(title)[:200],
        address=(source.enterprise.address if source else "")[:300], description="\n".join(map(str, lines)),
        exercise=alarm.exercise,  # a drill's alarm makes a drill's incident (issue 14)
        risk_source=source, chemical=chemical)
    alarm.incident = incident
    alarm.save(update_fields=["incident"])
    AlarmEntry.objects.create(alarm=alarm, kind="incident", level=alarm.level, actor=actor,
                              note=_("Incident %(n)s logged from this alarm.") % {"n": incident.number})
    _note_to_timeline(alarm, incident)
    _emit(alarm, EVENT_UPDATED, change="incident")
    return alarm, incident


def _alarm_link_incident(actor, alarm: Alarm, incident_id):
    """File the alarm on an open incident (the same leak, reported first by a call)."""
    from incidents.services import incident_lock, timeline_add

    incident = incident_lock(incident_id=incident_id)
    if not incident.is_open:
        raise DomainError(_("Incident %(n)s is closed.") % {"n": incident.number}, status=409)
    if incident.exercise != alarm.exercise:
        raise DomainError(_("A drill's alarm and a real incident are never filed together."), status=409)
    point = alarm.point
    alarm.incident = incident
    alarm.save(update_fields=["incident"])
    AlarmEntry.objects.create(alarm=alarm, kind="incident", level=alarm.level, actor=actor,
                              note=_("Filed on incident %(n)s.") % {"n": incident.number})
    timeline_add(incident=incident, actor=actor, kind="alarm", data={"alarm": alarm.pk}, text=_(
        "Alarm #%(id)s filed on this incident: point %(code)s %(name)s, level %(level)s, peak %(peak)s %(unit)s.") % {
        "id": alarm.pk, "code": point.code, "name": point.name, "level": alarm.get_level_display(),
        "peak": alarm.peak_value, "unit": point.unit})
    _note_to_timeline(alarm, incident)
    _emit(alarm, EVENT_UPDATED, change="incident")
    return incident


def _main_chemical(source):
    if source is None:
        return None
    stored = sorted(source.stored.select_related("chemical"), key=lambda s: -s.chemical.beta * s.quantity_t
                    / (s.chemical.critical_quantity_t or 1))
    return stored[0].chemical if stored else None


@transaction.atomic
def alarm_escalate(*, alarm_id: int) -> Alarm | None:
    """Run by the escalation job: an HH alarm still unacknowledged goes to the officers on duty
    and the point's responsible persons (their own audiences), and into the history."""
    try:
        alarm = _locked_alarm(alarm_id)
    except DomainError:
        return None
    if alarm.state != Alarm.State.ACTIVE or alarm.level != "hh":
        return None
    alarm.escalations += 1
    alarm.save(update_fields=["escalations"])
    people = list(alarm.point.responsible.values_list("pk", flat=True))
    AlarmEntry.objects.create(alarm=alarm, kind="escalation", level=alarm.level, note=_(
        "Not acknowledged after %(s)s s: sent to the officers on duty and %(n)s responsible person(s).") % {
        "s": settings.MONITORING_HH_ESCALATION_S * alarm.escalations, "n": len(people)})
    _emit(alarm, EVENT_UPDATED, change="escalated_to_people", people=people)
    if alarm.escalations == 1:  # and by SMS to the responsible persons and the duty chief (issue 21)
        notice_services.notify_flow(
            source="alarm.hh", drill=alarm.exercise, users=people,
            targets=[{"kind": "duty_chief", "id": 0}],
            title=_("HH alarm not acknowledged: %(point)s") % {"point": alarm.point.name},
            body=_("Point %(code)s is at its high-high limit. Check it and acknowledge the alarm.") % {
                "code": alarm.point.code})
    return alarm


# --- durable jobs (procrastinate) ---------------------------------------------------------
# Declared beside the services they run, so services defer them without importing
# monitoring.tasks (which re-exports them for procrastinate): no import loop.

@jobs.task(name="monitoring.escalate_alarm", queue="escalations", retry=TRANSIENT_DATABASE_ERRORS)
def escalate_alarm(alarm_id: int) -> None:
    alarm_escalate(alarm_id=alarm_id)


@jobs.periodic(cron="17 3 * * *")
@jobs.task(name="monitoring.purge_readings", queue="maintenance")
def purge_readings(timestamp: int) -> None:
    readings_purge()
