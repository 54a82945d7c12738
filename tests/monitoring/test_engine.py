"""The alarm state machine (monitoring.engine): docs/domain.md's rules by example, then properties."""

from hypothesis import given, settings
from hypothesis import strategies as st

from monitoring import engine
from monitoring.engine import Config, State, replay, step, tick

GAS = Config(range_min=0, range_max=100, h=20, hh=40, deadband=2, delay_s=5, interval_s=5)
TANK = Config(range_min=0, range_max=100, ll=5, l=10, h=85, hh=95, deadband=1, delay_s=10, interval_s=10)


def run(config, values, start=0.0, every=1.0, quality="good"):
    readings = [(start + i * every, v, quality) for i, v in enumerate(values)]
    return replay(config, readings)


def actions(transitions):
    return [(t.action, t.level, t.ts) for t in transitions]


# --- by example ------------------------------------------------------------------------

def test_on_delay_raises_only_after_the_value_held_for_the_delay():
    _state, moved = run(GAS, [25, 25, 25, 25, 25])  # t = 0..4: not yet 5 s
    assert moved == []
    state, moved = run(GAS, [25] * 6)  # t = 5
    assert actions(moved) == [("raise", "h", 5.0)]
    assert state.point_state == "h"


def test_a_dip_longer_than_the_window_restarts_the_on_delay():
    # GAS: window = 2 intervals + 5 s skew = 15 s. A dip of 16 s of normal readings forgets
    # the condition; it waits its whole delay again from the next reading above the limit.
    assert GAS.window_s == 15
    _state, moved = run(GAS, [25, 25, 25, 25] + [10] * 17 + [25] * 5)
    assert moved == []
    _state, moved = run(GAS, [25, 25, 25, 25] + [10] * 17 + [25] * 6)
    assert actions(moved) == [("raise", "h", 26.0)]


def test_a_short_dip_does_not_restart_the_on_delay():
    # One normal reading (a chattering sensor, or one dated by someone else) inside the window
    # does not restart the wait: the condition raises when the delay has passed.
    _state, moved = run(GAS, [25, 25, 25, 25, 10, 25])
    assert actions(moved) == [("raise", "h", 5.0)]
    # A single spike followed by normal readings never raises: the delay needs a reading in it.
    _state, moved = run(GAS, [25] + [10] * 30)
    assert moved == []


def test_hh_escalates_the_same_alarm_and_a_lower_value_keeps_the_peak():
    state, moved = run(GAS, [25] * 6 + [45] * 6 + [30] * 20)
    assert actions(moved) == [("raise", "h", 5.0), ("escalate", "hh", 11.0)]
    assert state.process.level == "hh"


def test_deadband_holds_the_alarm_until_the_value_is_back_by_the_deadband():
    # 19 is inside the limit (20) but not by the deadband (2): the alarm holds.
    _state, moved = run(GAS, [25] * 6 + [19] * 30)
    assert actions(moved) == [("raise", "h", 5.0)]
    # Clearing waits the delay and the window (15 s): from t = 6 to t = 21.
    state, moved = run(GAS, [25] * 6 + [17.9] * 15)
    assert actions(moved) == [("raise", "h", 5.0)]
    state, moved = run(GAS, [25] * 6 + [17.9] * 16)
    assert actions(moved) == [("raise", "h", 5.0), ("clear", "h", 21.0)]
    assert state.point_state == "normal"


def test_clearing_also_waits_out_the_delay():
    _state, moved = run(GAS, [25] * 6 + [0] * 5)
    assert [a for a, _l, _t in actions(moved)] == ["raise"]


def test_low_limits_and_crossing_from_high_to_low_clears_one_and_raises_the_other():
    # Ending H waits the window (2 × 10 s + 5 s): from t = 11 to t = 36.
    state, moved = run(TANK, [90] * 11 + [7] * 26)
    assert actions(moved) == [("raise", "h", 10.0), ("clear", "h", 36.0), ("raise", "l", 36.0)]
    state, moved = run(TANK, [3] * 11)
    assert actions(moved) == [("raise", "ll", 10.0)]


def test_out_of_range_or_bad_quality_is_a_fault_not_a_leak():
    state, moved = run(GAS, [150] * 6)
    assert actions(moved) == [("raise", "fault", 5.0)]
    assert state.process.level is None and state.point_state == "fault"
    state, moved = run(GAS, [30] * 6, quality="bad")
    assert actions(moved) == [("raise", "fault", 5.0)]
    assert state.process.level is None


def test_a_fault_does_not_clear_a_process_alarm():
    state, moved = run(GAS, [30] * 6 + [150] * 10)
    assert actions(moved) == [("raise", "h", 5.0), ("raise", "fault", 11.0)]
    assert state.process.level == "h" and state.point_state == "fault"


def test_offline_after_three_intervals_without_a_reading_and_back_on_the_next():
    state, _ = run(GAS, [1, 1, 1])  # last reading at t = 2
    same, moved = tick(GAS, state, 2 + 3 * GAS.interval_s - 0.1)
    assert moved == [] and same == state
    state, moved = tick(GAS, state, 2 + 3 * GAS.interval_s)
    assert actions(moved) == [("raise", "offline", 17.0)]
    again, moved = tick(GAS, state, 100)
    assert moved == [] and again == state  # offline once, not once per check
    state, moved = step(GAS, state, 101, 1)
    assert actions(moved) == [("clear", "offline", 101)]
    assert state.point_state == "normal"


def test_old_readings_never_make_anything_better():
    state, _ = run(GAS, [25] * 6)
    for ts in (5.0, 4.0, 0.0):
        assert step(GAS, state, ts, 0) == (state, [])


def test_a_late_reading_beyond_a_limit_still_counts():
    # Someone dated a normal reading 5 s ahead; the real sensor's readings, now "late",
    # still raise the alarm, at engine time.
    state, _ = replay(GAS, [(0, 1, "good")])
    state, _ = step(GAS, state, 10, 1, now=5)  # dated ahead, as far as the skew lets it
    assert state.last_ts == 10
    moved_all = []
    for second in range(1, 17):
        state, moved = step(GAS, state, second, 50, now=second)  # up to 10: older than engine time
        moved_all += moved
    # Counted from engine time 10 (where the late readings count), raised after the 5 s delay.
    assert [(t.action, t.level, t.ts) for t in moved_all] == [("raise", "hh", 15)]


def test_state_survives_a_round_trip_through_json():
    state, _ = run(GAS, [25] * 3)
    assert State.from_dict(state.as_dict()) == state
    assert State.from_dict({}) == State()
    # A state stored before `seen` existed: three fields a slot.
    old = State.from_dict({"p": ["h", "normal", 3.0], "d": [None, None, None], "ts": 4.0, "v": 1.0})
    assert old.process.seen == 3.0 and old.process.candidate == "normal"


# --- the attacks of issue 20, by example -------------------------------------------------

def test_readings_dated_ahead_cannot_move_engine_time_past_the_skew():
    state, _ = replay(GAS, [(100, 1, "good")])
    state, _ = step(GAS, state, 100 + 290, 1, now=101)  # +290 s: counted at now + 5 s at most
    assert state.last_ts == 106


def test_two_readings_dated_ahead_cannot_clear_an_alarm_the_sensor_keeps_high():
    state, moved = replay(GAS, [(float(t), 50, "good") for t in range(7)], now=6)
    assert state.process.level == "hh"
    for ahead in (200, 206):  # as in the issue
        state, moved = step(GAS, state, 6 + ahead, 0, now=7)
        assert moved == []
    # Nor two normal readings an interval apart, each as far ahead as allowed.
    state, moved = step(GAS, state, 7 + 0.1, 0, now=7.1)
    state, moved = step(GAS, state, 11.9 + 5, 0, now=11.9)
    assert moved == [] and state.process.level == "hh"
    state, moved = step(GAS, state, 12, 50, now=12)  # the real sensor, one interval later
    assert moved == [] and state.process.candidate is None  # the clear waits from scratch


# --- properties --------------------------------------------------------------------------

configs = st.builds(
    lambda delay, db: Config(range_min=0, range_max=100, ll=5, l=10, h=60, hh=80, deadband=db, delay_s=delay,
                             interval_s=5),
    st.sampled_from([0, 1, 3, 5, 10]), st.sampled_from([0, 0.5, 2, 5]))
values = st.one_of(st.floats(min_value=-10, max_value=110, allow_nan=False),
                   st.sampled_from([4.9, 5, 9.9, 10, 55, 59.9, 60, 79.9, 80, 85]))
readings = st.lists(st.tuples(st.floats(min_value=0.1, max_value=5), values, st.sampled_from(["good"] * 9 + ["bad"])),
                    max_size=120).map(lambda items: _cumulative(items))


def _cumulative(items):
    out, ts = [], 0.0
    for gap, value, quality in items:
        ts = round(ts + gap, 3)
        out.append((ts, value, quality))
    return out


def _alarms(transitions, slot):
    """Group one slot's transitions into alarms (lists), asserting the grammar as it goes:
    raise, escalate*, clear — never a second raise while one is open, never a stray clear."""
    alarms, current = [], None
    for t in transitions:
        if t.slot != slot:
            continue
        if t.action == "raise":
            assert current is None, f"raised twice without a clear: {transitions}"
            current = [t]
            alarms.append(current)
        else:
            assert current is not None, f"{t.action} without an open alarm: {transitions}"
            current.append(t)
            if t.action == "clear":
                current = None
    return alarms


@settings(max_examples=300, deadline=None)
@given(configs, readings)
def test_every_raise_is_followed_by_at_most_one_clear(config, rs):
    _state, moved = replay(config, rs)
    for slot in (engine.PROCESS, engine.DIAGNOSTIC):
        for alarm in _alarms(moved, slot):
            assert [t.action for t in alarm].count("clear") <= 1
            assert alarm[-1].action == "clear" or all(t.action != "clear" for t in alarm)


@settings(max_examples=300, deadline=None)
@given(configs, readings)
def test_no_alarm_changes_faster_than_its_delay(config, rs):
    _state, moved = replay(config, rs)
    for slot in (engine.PROCESS, engine.DIAGNOSTIC):
        for alarm in _alarms(moved, slot):
            for before, after in zip(alarm, alarm[1:], strict=False):
                assert after.ts - before.ts >= config.delay_s


@settings(max_examples=300, deadline=None)
@given(configs, readings)
def test_escalation_only_goes_to_a_worse_level_of_the_same_direction(config, rs):
    _state, moved = replay(config, rs)
    for alarm in _alarms(moved, engine.PROCESS):
        levels = [t.level for t in alarm if t.action in ("raise", "escalate")]
        assert levels in (["h"], ["h", "hh"], ["hh"], ["l"], ["l", "ll"], ["ll"])


@settings(max_examples=200, deadline=None)
@given(configs, readings, st.integers(min_value=0, max_value=120))
def test_a_replay_gives_the_same_alarms_even_when_stopped_and_resumed(config, rs, cut):
    once = replay(config, rs)
    assert replay(config, rs) == once
    # As an ingester does: persist the state between batches, and receive some readings again.
    # (A reading received again is stopped by the store's unique (point, ts) before the
    # engine: tests/monitoring/test_ingest.py.)
    first, moved_first = replay(config, rs[:cut])
    resumed = State.from_dict(first.as_dict())
    second, moved_second = replay(config, rs[cut:], resumed)
    assert (second, moved_first + moved_second) == once


def test_readings_of_the_other_direction_cannot_end_an_alarm_the_sensor_keeps():
    # TANK: an HH overflow alarm; someone sends LL readings between the sensor's own.
    state, _ = replay(TANK, [(float(t), 99, "good") for t in range(0, 11)], now=10)
    assert state.process.level == "hh"
    for n in range(1, 30):
        now = 10.0 + n * TANK.interval_s
        state, moved = step(TANK, state, now - 5 + TANK.skew_s, 1, now=now - 5)  # LL, as far ahead as allowed
        assert moved == []
        state, moved = step(TANK, state, now, 99, now=now)  # the sensor, still HH
        assert moved == []
    assert state.process.level == "hh"


# --- honest and hostile readings interleaved (issue 20) ----------------------------------

# Gas detectors, the case: H and HH only. (Where a point has limits in both
# directions, a hostile reading beyond the other one is itself an alarm in force that an
# opposite condition must outlast the window to replace: the operator sees an alarm on the
# point either way; the device credentials of issue 20 keep such readings out.)
HOSTILE_CONFIGS = st.builds(
    lambda delay, interval, db: Config(range_min=0, range_max=100, h=60, hh=80, deadband=db,
                                       delay_s=delay, interval_s=interval),
    st.sampled_from([0, 1, 3, 5, 10, 30]), st.sampled_from([1, 2, 5, 10, 30]), st.sampled_from([0, 2, 5]))
hostile = st.tuples(
    st.floats(min_value=-600, max_value=GAS.skew_s + 300),  # its date, relative to now (beyond +skew: refused)
    st.one_of(st.floats(min_value=-50, max_value=150, allow_nan=False), st.sampled_from([0, 59.9, 79.9, 100])),
    st.sampled_from(["good", "good", "bad"]),
    st.integers(min_value=1, max_value=3))  # how many of them between two honest readings


def _interleave(config, honest_values, attacks, jitter):
    """The server's view: an honest sensor reporting every interval (with jitter below it),
    dated truly; before each honest reading, hostile readings dated anywhere up to now + skew
    (further ahead they are dead letters: monitoring.parsing) with any value and quality."""
    state, moved_all, now = State(), [], 10_000.0
    for n, value in enumerate(honest_values):
        now = 10_000.0 + n * config.interval_s + jitter[n % len(jitter)] * config.interval_s
        date, bad_value, quality, count = attacks[n % len(attacks)]
        for k in range(count):
            at = now - (k + 1) * 0.001
            ts = at + date
            if ts > at + config.skew_s:
                continue  # refused by the parser
            state, moved = step(config, state, ts, bad_value, quality, now=at)
            moved_all += moved
        state, moved = step(config, state, now, value, "good", now=now)
        moved_all += moved
    return state, moved_all


@settings(max_examples=300, deadline=None)
@given(HOSTILE_CONFIGS, st.lists(hostile, min_size=1, max_size=20),
       st.lists(st.floats(min_value=0, max_value=0.9), min_size=1, max_size=10),
       st.integers(min_value=0, max_value=10), st.sampled_from([80, 85, 99.5]))
def test_an_honest_series_crossing_hh_raises_hh_whatever_else_arrives(config, attacks, jitter, before, high):
    # Normal for a while, then at or above HH for longer than the delay and one interval.
    held = int(config.delay_s // config.interval_s) + 3
    honest = [30.0] * before + [high] * held
    state, moved = _interleave(config, honest, attacks, jitter)
    raised = [t for t in moved if t.slot == engine.PROCESS and t.action in ("raise", "escalate") and t.level == "hh"]
    assert raised, moved
    assert state.process.level == "hh"


@settings(max_examples=300, deadline=None)
@given(HOSTILE_CONFIGS, st.lists(hostile, min_size=1, max_size=20),
       st.lists(st.floats(min_value=0, max_value=0.9), min_size=1, max_size=10))
def test_an_alarm_the_sensor_keeps_high_is_never_cleared_by_anything_else(config, attacks, jitter):
    held = int(config.delay_s // config.interval_s) + 3
    honest = [90.0] * (held + 40)
    _state, moved = _interleave(config, honest, attacks, jitter)
    cleared = [t for t in moved if t.slot == engine.PROCESS and t.action == "clear" and t.level in ("h", "hh")]
    assert cleared == [], moved
