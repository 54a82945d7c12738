"""Reads of park monitoring that need thought: trends in buckets, the alarm rate, the
points a console lists."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from core.roles import enterprise_scope
from monitoring.models import Alarm, MonitoringPoint

MAX_RAW_POINTS = 5000
MAX_BUCKETS = 2000
# EEMUA 191: about one alarm per 10 minutes per operator is manageable, over 10 is a flood.
FLOOD_PER_10_MIN = 10


def points() -> QuerySet[MonitoringPoint]:
    return MonitoringPoint.objects.select_related("risk_source", "chemical").order_by("code")


def alarms() -> QuerySet[Alarm]:
    return (Alarm.objects.select_related("point__risk_source", "acknowledged_by", "incident__chemical")
            .order_by("-raised_at", "-id"))


def alarms_for(user) -> QuerySet[Alarm]:
    """The alarms `user` may see: the whole park's, or an enterprise officer's own enterprise's
    (core.roles.enterprise_scope), never a neighbour's."""
    scope = enterprise_scope(user)
    qs = alarms()
    return qs if scope is None else qs.filter(point__risk_source__enterprise_id=scope)


def open_alarms() -> QuerySet[Alarm]:
    """Alarms still in force (active or acknowledged), the worst and newest first."""
    return alarms().filter(cleared_at__isnull=True)


def enterprise_open_alarms(enterprise_id: int) -> QuerySet[Alarm]:
    """Real alarms still in force on the points of the enterprise's risk sources (an exercise's
    never count against an enterprise, issue 14)."""
    return Alarm.objects.filter(point__risk_source__enterprise_id=enterprise_id, cleared_at__isnull=True,
                                exercise=False)


class AlarmEvent(NamedTuple):
    alarm: Alarm | None  # None: the alarm is gone (deleted in the same transaction)
    change: str  # raised, escalated, acknowledged, cleared, incident, escalation (alarm.updated's doc)


def alarm_of_event(event) -> AlarmEvent:
    """The alarm an `alarm.raised` / `alarm.updated` event is about, as the row stands in the
    emitting transaction (with its point and risk source), and what changed. Apps above
    monitoring that subscribe to these events (safety: the enterprise's colour, permits near
    the alarm) read the alarm here instead of the consoles' payload, whose shape is the
    browser's. Read once per event however many subscribers ask: the row is kept on the event."""
    found = getattr(event, "_monitoring_alarm", None)
    if found is None:
        payload = event.payload or {}
        alarm = (Alarm.objects.select_related("point__risk_source").filter(pk=payload["id"]).first()
                 if payload.get("id") is not None else None)
        found = event._monitoring_alarm = AlarmEvent(alarm, str(payload.get("change", "")))
    return found


def readings_series(*, point_id: int, start: dt.datetime, end: dt.datetime, step_s: int | None = None) -> list[dict]:
    """Raw readings [{"ts", "value"}], or with `step_s` one row per bucket with min, max, avg.
    The (point, ts) primary key serves both: an index range scan, in time order."""
    with connection.cursor() as cursor:
        if step_s:
            cursor.execute("""
                SELECT to_timestamp(floor(extract(epoch FROM ts) / %(step)s) * %(step)s) AS bucket,
                       min(value), max(value), avg(value)
                FROM monitoring_reading WHERE point_id = %(p)s AND ts >= %(a)s AND ts < %(b)s
                GROUP BY bucket ORDER BY bucket LIMIT %(n)s""",
                           {"step": step_s, "p": point_id, "a": start, "b": end, "n": MAX_BUCKETS})
            return [{"ts": b, "min": lo, "max": hi, "avg": avg} for b, lo, hi, avg in cursor.fetchall()]
        cursor.execute("""
            SELECT ts, value FROM (
                SELECT ts, value FROM monitoring_reading WHERE point_id = %(p)s AND ts >= %(a)s AND ts < %(b)s
                ORDER BY ts DESC LIMIT %(n)s) recent ORDER BY ts""",
                       {"p": point_id, "a": start, "b": end, "n": MAX_RAW_POINTS})
        return [{"ts": ts, "value": value} for ts, value in cursor.fetchall()]


def alarm_rate(*, minutes: int = 10, now: dt.datetime | None = None) -> dict:
    """Alarms raised in the last `minutes`, exercises left out (they never count)."""
    now = now or timezone.now()
    count = Alarm.objects.filter(raised_at__gte=now - dt.timedelta(minutes=minutes), exercise=False).count()
    return {"minutes": minutes, "count": count, "flood": count > FLOOD_PER_10_MIN * minutes / 10}
