"""The ingest write path of park monitoring: readings in, alarm engine advanced.

Lock order: monitoring points by id (ascending) → alarms. Readings are written first with
COPY into a temporary table and one INSERT … ON CONFLICT DO NOTHING RETURNING, so only
readings not stored before reach the alarm engine: a QoS 1 resend or a gateway retry is
stored once and evaluated once. The points touched are then locked in id order, their
engine state advanced (monitoring.engine), and transitions written as alarms, history,
events and escalation jobs (monitoring.services._apply) in the same transaction. N
ingesters therefore raise exactly the alarms one would (a point's state only moves under
its row lock).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction

from monitoring import engine
from monitoring.models import MonitoringPoint
from monitoring.parsing import RawReading
from monitoring.services import _apply


@dataclass
class StoreResult:
    stored: int = 0  # new rows in the readings table
    duplicates: int = 0  # (point, ts) already stored
    unknown: list[tuple[int, str]] = field(default_factory=list)  # (index, code) of unknown points
    transitions: int = 0



@transaction.atomic
def readings_store(*, readings: list[RawReading], point_ids: dict[str, int] | None = None) -> StoreResult:
    """Store a batch of readings and run the alarm engine on those that are new.

    `point_ids` (code → id) may be passed by a long-running ingester that caches it; codes
    missing from it are looked up. Unknown codes are returned, not stored.
    """
    result = StoreResult()
    if not readings:
        return result
    ids = dict(point_ids or {})
    missing = {r.point for r in readings} - ids.keys()
    if missing:
        ids.update(MonitoringPoint.objects.filter(code__in=missing).values_list("code", "id"))
    rows = []
    bad_quality: list[tuple[int, dt.datetime, float]] = []
    for index, r in enumerate(readings):
        point_id = ids.get(r.point)
        if point_id is None:
            result.unknown.append((index, r.point))
        elif r.good:
            rows.append((point_id, r.ts, r.value))
        else:
            bad_quality.append((point_id, r.ts, r.value))
    new = _insert_new(rows)
    result.stored = len(new)
    result.duplicates = len(rows) - len(new)
    by_point: dict[int, list[tuple[float, float, str]]] = defaultdict(list)
    for point_id, epoch, value in new:
        by_point[point_id].append((epoch, value, "good"))
    for point_id, ts, value in bad_quality:
        by_point[point_id].append((ts.timestamp(), value, "bad"))
    if by_point:
        result.transitions = _evaluate(by_point)
    return result


def _insert_new(rows: list[tuple[int, dt.datetime, float]]) -> list[tuple[int, float, float]]:
    """The rows not stored before, as (point id, epoch seconds, value)."""
    if not rows:
        return []
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE IF NOT EXISTS monitoring_reading_in "
                       "(point_id bigint, ts timestamptz, value double precision) ON COMMIT DELETE ROWS")
        with cursor.cursor.copy("COPY monitoring_reading_in (point_id, ts, value) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["int8", "timestamptz", "float8"])
            for row in rows:
                copy.write_row(row)
        # DISTINCT ON: the same (point, ts) twice in one batch would make ON CONFLICT fail.
        cursor.execute("""
            INSERT INTO monitoring_reading (point_id, ts, value)
            SELECT DISTINCT ON (point_id, ts) point_id, ts, value FROM monitoring_reading_in
            ORDER BY point_id, ts
            ON CONFLICT DO NOTHING
            RETURNING point_id, extract(epoch FROM ts)::float8, value""")
        new = cursor.fetchall()
        cursor.execute("TRUNCATE monitoring_reading_in")
    return new


def _evaluate(by_point: dict[int, list[tuple[float, float, str]]]) -> int:
    """Advance each point's engine under its row lock (ascending id) and apply transitions."""
    points = list(MonitoringPoint.objects.select_for_update().filter(pk__in=by_point).order_by("pk"))
    updates = []
    transitions = 0
    extremes = {}
    for point in points:
        config = point.engine_config
        state = engine.State.from_dict(point.engine_state)
        moved_all = []
        for ts, value, quality in sorted(by_point[point.pk]):
            state, moved = engine.step(config, state, ts, value, quality)
            moved_all += moved
        values = [v for _ts, v, q in by_point[point.pk] if q == "good"]
        if values:
            extremes[point.pk] = (min(values), max(values))
        point.engine_state = state.as_dict()
        point.state = state.point_state
        if state.last_ts is not None:
            point.last_ts = dt.datetime.fromtimestamp(state.last_ts, tz=dt.UTC)
            point.last_value = state.last_value
        updates.append(point)
        for transition in moved_all:
            _apply(point, transition)
        transitions += len(moved_all)
    _save_states(updates)
    _update_peaks(extremes)
    return transitions


def _save_states(points: list[MonitoringPoint]) -> None:
    """One UPDATE for the whole batch (bulk_update's CASE expressions cost seconds at 1,000 rows)."""
    if not points:
        return
    with connection.cursor() as cursor:
        cursor.execute("""
            UPDATE monitoring_monitoringpoint p
            SET engine_state = u.engine_state, state = u.state, last_ts = u.last_ts, last_value = u.last_value
            FROM unnest(%s::bigint[], %s::jsonb[], %s::varchar[], %s::timestamptz[], %s::float8[])
                 AS u(id, engine_state, state, last_ts, last_value)
            WHERE p.id = u.id""",
                       [[p.pk for p in points], [json.dumps(p.engine_state) for p in points],
                        [p.state for p in points], [p.last_ts for p in points], [p.last_value for p in points]])


def _update_peaks(extremes: dict[int, tuple[float, float]]) -> None:
    if not extremes:
        return
    ids = list(extremes)
    with connection.cursor() as cursor:
        cursor.execute("""
            UPDATE monitoring_alarm a SET peak_value = CASE
                WHEN a.level IN ('h', 'hh') THEN GREATEST(a.peak_value, m.hi) ELSE LEAST(a.peak_value, m.lo) END
            FROM unnest(%s::bigint[], %s::float8[], %s::float8[]) AS m(point_id, lo, hi)
            WHERE a.point_id = m.point_id AND a.cleared_at IS NULL AND a.slot = 'process'""",
                       [ids, [extremes[i][0] for i in ids], [extremes[i][1] for i in ids]])
