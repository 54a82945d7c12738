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

from core import stream
from core.errors import DomainError
from core.roles import INTAKE_ROLES, require_role
from monitoring import engine
from monitoring.events import ALARM_RAISED, ALARM_UPDATED
from monitoring.models import Alarm, AlarmEntry, DeadLetter, MonitoringPoint, PointKind
from monitoring.payloads import alarm_payload

EVENT_RAISED = ALARM_RAISED.name
EVENT_UPDATED = ALARM_UPDATED.name


def alarm_audiences(point_responsible_ids: Iterable[int] = ()) -> list[str]:
    return [stream.CONSOLE, stream.DUTY, *(stream.audience_user(uid) for uid in point_responsible_ids)]


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


@transaction.atomic
def readings_purge(*, older_than_days: int | None = None) -> int:
    """Delete readings past the retention period (MONITORING_RETENTION_DAYS); the BRIN index
    on ts makes the range cheap to find. Dead letters older than that go too."""
    days = settings.MONITORING_RETENTION_DAYS if older_than_days is None else older_than_days
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


def _emit(alarm: Alarm, type_: str, *, change: str, audiences: list[str] | None = None) -> None:
    stream.emit(audiences=audiences or alarm_audiences(), type=type_, payload=alarm_payload(alarm, change=change))


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
    require_role(actor, INTAKE_ROLES, _("Only duty officers, dispatchers and commanders may acknowledge alarms."))
    alarm = _locked_alarm(alarm_id)
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
    _emit(alarm, EVENT_UPDATED, change="acknowledged")
    return alarm


# Which incident type fits which kind of point (incidents.demo codes).
INCIDENT_TYPE_FOR_KIND = {
    PointKind.TEMPERATURE: "fire",
    PointKind.COMBUSTIBLE_GAS: "hazmat-leak",
    PointKind.TOXIC_GAS: "hazmat-leak",
}
DEFAULT_INCIDENT_TYPE = "hazmat-leak"


@transaction.atomic
def alarm_create_incident(*, actor, alarm_id: int):
    """Log an incident from an alarm, in one click: the point's place, a fitting type, the risk
    source and its chemical (as the incident's own fields, and in the description for print);
    the alarm keeps the incident (the incident lists its alarms through the reverse relation).
    The chemical is the point's, else the source's main one; never a default. A second call is a 409.
    Lock order: point → alarm, then the incidents service's own locks."""
    from incidents.services import incident_log

    require_role(actor, INTAKE_ROLES, _("Only duty officers, dispatchers and commanders may log incidents."))
    alarm = _locked_alarm(alarm_id)
    if alarm.incident_id:
        raise DomainError(_("This alarm already has incident %(n)s.") % {"n": alarm.incident.number}, status=409,
                          data={"incident": alarm.incident_id})
    point = alarm.point
    source = point.risk_source
    chemical = point.chemical or _main_chemical(source)
    where = source or point
    location = (source.location if source else point.location)
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
        actor=actor, type_code=INCIDENT_TYPE_FOR_KIND.get(point.kind, DEFAULT_INCIDENT_TYPE), severity=severity,
        lon=location.x, lat=location.y, title=str(title)[:200],
        address=(source.enterprise.address if source else "")[:300], description="\n".join(map(str, lines)),
        exercise=alarm.exercise,  # a drill's alarm makes a drill's incident (issue 14)
        risk_source=source, chemical=chemical)
    alarm.incident = incident
    alarm.save(update_fields=["incident"])
    AlarmEntry.objects.create(alarm=alarm, kind="incident", level=alarm.level, actor=actor,
                              note=_("Incident %(n)s logged from this alarm.") % {"n": incident.number})
    _emit(alarm, EVENT_UPDATED, change="incident")
    return alarm, incident


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
    _emit(alarm, EVENT_UPDATED, change="escalated_to_people", audiences=alarm_audiences(people))
    return alarm


# --- durable jobs (procrastinate) ---------------------------------------------------------
# Declared beside the services they run, so services defer them without importing
# monitoring.tasks (which re-exports them for procrastinate): no import loop.

@jobs.task(name="monitoring.escalate_alarm", queue="escalations")
def escalate_alarm(alarm_id: int) -> None:
    alarm_escalate(alarm_id=alarm_id)


@jobs.periodic(cron="17 3 * * *")
@jobs.task(name="monitoring.purge_readings", queue="maintenance")
def purge_readings(timestamp: int) -> None:
    readings_purge()
