"""The ingest write path of park monitoring: readings in, alarm engine advanced.

Most readings change nothing but a point's last-seen time and value: the point is quiet (no
alarm, nothing pending in the engine) and the reading is good, inside the instrument's range
and inside its limits. For those the engine's answer is known without running it, so one SQL
statement per batch does everything:

1. the readings go in with INSERT … ON CONFLICT DO NOTHING RETURNING, so only readings not
   stored before go further: a QoS 1 resend or a gateway retry is stored once and evaluated
   once;
2. every point that got a new reading (or a bad-quality one) is locked, in ascending id order;
3. on the points whose engine state is quiet and whose new readings all stand at "normal", the
   engine's last-seen time and value move forward (an UPDATE, under that lock);
4. the statement answers with the new readings of every other point.

Only those others (points in alarm, waiting out an on-delay, or crossing a limit now) are
evaluated in Python (monitoring.engine) and their transitions written as alarms, history,
events and escalation jobs (monitoring.services._apply), in the same transaction and under the
same locks. Lock order is points by ascending id, then alarms, in every transaction that moves
a point's state, so N ingesters raise exactly the alarms one would and never deadlock.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection, transaction

from monitoring import engine
from monitoring.models import MonitoringPoint
from monitoring.parsing import RawReading
from monitoring.services import _apply

Row = tuple[str, float, float, bool]  # (point code, epoch seconds, value, good quality)


@dataclass
class StoreResult:
    stored: int = 0  # new rows in the readings table
    duplicates: int = 0  # (point, ts) already stored
    unknown: list[tuple[int, str]] = field(default_factory=list)  # (index, code) of unknown points
    transitions: int = 0
    evaluated: int = 0  # points that needed the engine (the rest were quiet)


def readings_store(*, readings: list[RawReading], point_ids: dict[str, int] | None = None) -> StoreResult:
    """Store a batch of readings and run the alarm engine on those that are new.

    `point_ids` (code → id) may be passed by a long-running ingester that caches it; codes
    missing from it are looked up (and added to it). Unknown codes are returned, not stored.
    """
    return rows_store(rows=[(r.point, r.ts.timestamp(), r.value, r.good) for r in readings], point_ids=point_ids)


@transaction.atomic
def rows_store(*, rows: list[Row], point_ids: dict[str, int] | None = None) -> StoreResult:
    """readings_store for readings already as (code, epoch seconds, value, good): the
    ingester's path, with no object per reading."""
    result = StoreResult()
    if not rows:
        return result
    ids = point_ids if point_ids is not None else {}
    missing = {r[0] for r in rows} - ids.keys()
    if missing:
        ids.update(MonitoringPoint.objects.filter(code__in=missing).values_list("code", "id"))
    good_ids: list[int] = []
    good_ts: list[float] = []
    good_values: list[float] = []
    bad_quality: list[tuple[int, float, float]] = []
    for index, (code, ts, value, good) in enumerate(rows):
        point_id = ids.get(code)
        if point_id is None:
            result.unknown.append((index, code))
        elif good:
            good_ids.append(point_id)
            good_ts.append(ts)
            good_values.append(value)
        else:
            bad_quality.append((point_id, ts, value))
    stored, by_point = _insert_and_settle_quiet(good_ids, good_ts, good_values, sorted({b[0] for b in bad_quality}))
    result.stored = stored
    result.duplicates = len(good_ids) - stored
    for point_id, ts, value in bad_quality:
        by_point[point_id].append((ts, value, "bad"))
    if by_point:
        result.evaluated = len(by_point)
        result.transitions = _evaluate(by_point)
    return result


# Each %s is a PostgreSQL array literal as text ('{1,2,3}'): building one string is several
# times cheaper in Python than adapting thousands of numbers one by one.
_SETTLE = """
WITH input AS (
    SELECT DISTINCT ON (u.point_id, u.ts) u.point_id, to_timestamp(u.ts) AS ts, u.value
    FROM unnest(%s::text::int8[], %s::text::float8[], %s::text::float8[]) AS u(point_id, ts, value)
    -- DISTINCT ON: the same (point, ts) twice in one batch would make ON CONFLICT fail.
    ORDER BY u.point_id, u.ts
), new AS (
    INSERT INTO monitoring_reading (point_id, ts, value) SELECT point_id, ts, value FROM input
    ON CONFLICT DO NOTHING
    RETURNING point_id, ts, value
), agg AS (
    SELECT point_id, max(ts) AS ts, (array_agg(value ORDER BY ts DESC))[1] AS last,
           min(value) AS lo, max(value) AS hi
    FROM new GROUP BY point_id
), locked AS MATERIALIZED (
    SELECT id FROM monitoring_monitoringpoint
    WHERE id IN (SELECT point_id FROM agg) OR id = ANY(%s::text::int8[])
    ORDER BY id FOR UPDATE
), quiet AS (
    UPDATE monitoring_monitoringpoint p SET
        last_ts = CASE WHEN a.epoch > coalesce((p.engine_state ->> 'ts')::float8, '-Infinity')
                       THEN a.ts ELSE p.last_ts END,
        last_value = CASE WHEN a.epoch > coalesce((p.engine_state ->> 'ts')::float8, '-Infinity')
                          THEN a.last ELSE p.last_value END,
        engine_state = CASE WHEN a.epoch > coalesce((p.engine_state ->> 'ts')::float8, '-Infinity')
                            THEN p.engine_state || jsonb_build_object('ts', a.epoch, 'v', a.last)
                            ELSE p.engine_state END
    FROM (SELECT agg.*, extract(epoch FROM agg.ts)::float8 AS epoch FROM agg JOIN locked ON locked.id = agg.point_id) a
    WHERE p.id = a.point_id
      AND NOT p.id = ANY(%s::text::int8[])
      -- quiet: no alarm in either slot and no candidate waiting out its on-delay
      AND coalesce(p.engine_state -> 'p' ->> 0, p.engine_state -> 'p' ->> 1) IS NULL
      AND coalesce(p.engine_state -> 'd' ->> 0, p.engine_state -> 'd' ->> 1) IS NULL
      -- every new reading normal: inside the range (no fault) and inside the limits
      -- (monitoring.engine.classify with no level in force, is_fault)
      AND (p.range_min IS NULL OR a.lo >= p.range_min) AND (p.range_max IS NULL OR a.hi <= p.range_max)
      AND (p.limit_h IS NULL OR a.hi < p.limit_h) AND (p.limit_hh IS NULL OR a.hi < p.limit_hh)
      AND (p.limit_l IS NULL OR a.lo > p.limit_l) AND (p.limit_ll IS NULL OR a.lo > p.limit_ll)
    RETURNING p.id
)
SELECT point_id, extract(epoch FROM ts)::float8, value FROM new WHERE point_id NOT IN (SELECT id FROM quiet)
UNION ALL
-- The count of new rows, and a full read of `locked` so that every point is locked here, in
-- id order, even where no new reading needed it (bad quality only).
SELECT NULL, (SELECT count(*) FROM new), (SELECT count(*) FROM locked)
"""


def _array(values: Iterable) -> str:
    return "{" + ",".join(map(repr, values)) + "}"


def _insert_and_settle_quiet(ids: list[int], ts: list[float], values: list[float], bad_ids: list[int]
                             ) -> tuple[int, dict[int, list[tuple[float, float, str]]]]:
    """Steps 1–4 of the module docstring: the count of new readings, and the new readings of
    the points that need the engine, by point, as (epoch seconds, value, "good")."""
    by_point: dict[int, list[tuple[float, float, str]]] = defaultdict(list)
    bad = _array(bad_ids)
    with connection.cursor() as cursor:
        cursor.execute(_SETTLE, [_array(ids), _array(ts), _array(values), bad, bad])
        stored = 0
        for point_id, epoch, value in cursor.fetchall():
            if point_id is None:
                stored = int(epoch)
            else:
                by_point[point_id].append((epoch, value, "good"))
    return stored, by_point


def _evaluate(by_point: dict[int, list[tuple[float, float, str]]]) -> int:
    """Advance each point's engine under its row lock (ascending id) and apply transitions."""
    points = list(MonitoringPoint.objects.select_for_update().filter(pk__in=by_point).order_by("pk"))
    now = time.time()  # the engine's clock may not run ahead of the server's (engine.step)
    updates = []
    transitions = 0
    extremes = {}
    for point in points:
        config = point.engine_config
        state = engine.State.from_dict(point.engine_state)
        moved_all = []
        for ts, value, quality in sorted(by_point[point.pk]):
            state, moved = engine.step(config, state, ts, value, quality, now)
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
