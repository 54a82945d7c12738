"""The alarm state machine (monitoring.engine): DOMAIN.md's rules by example, then properties."""

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


def test_a_dip_below_the_limit_restarts_the_on_delay():
    _state, moved = run(GAS, [25, 25, 25, 25, 10, 25, 25, 25, 25, 25])
    assert moved == []
    _state, moved = run(GAS, [25, 25, 25, 25, 10, 25, 25, 25, 25, 25, 25])
    assert actions(moved) == [("raise", "h", 10.0)]


def test_hh_escalates_the_same_alarm_and_a_lower_value_keeps_the_peak():
    state, moved = run(GAS, [25] * 6 + [45] * 6 + [30] * 20)
    assert actions(moved) == [("raise", "h", 5.0), ("escalate", "hh", 11.0)]
    assert state.process.level == "hh"


def test_deadband_holds_the_alarm_until_the_value_is_back_by_the_deadband():
    # 19 is inside the limit (20) but not by the deadband (2): the alarm holds.
    _state, moved = run(GAS, [25] * 6 + [19] * 30)
    assert actions(moved) == [("raise", "h", 5.0)]
    state, moved = run(GAS, [25] * 6 + [17.9] * 6)
    assert actions(moved) == [("raise", "h", 5.0), ("clear", "h", 11.0)]
    assert state.point_state == "normal"


def test_clearing_also_waits_out_the_delay():
    _state, moved = run(GAS, [25] * 6 + [0] * 5)
    assert [a for a, _l, _t in actions(moved)] == ["raise"]


def test_low_limits_and_crossing_from_high_to_low_clears_one_and_raises_the_other():
    state, moved = run(TANK, [90] * 11 + [7] * 11)
    assert actions(moved) == [("raise", "h", 10.0), ("clear", "h", 21.0), ("raise", "l", 21.0)]
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


def test_old_and_repeated_readings_change_nothing():
    state, _ = run(GAS, [25] * 6)
    for ts in (5.0, 4.0, 0.0):
        assert step(GAS, state, ts, 0) == (state, [])


def test_state_survives_a_round_trip_through_json():
    state, _ = run(GAS, [25] * 3)
    assert State.from_dict(state.as_dict()) == state
    assert State.from_dict({}) == State()


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
    first, moved_first = replay(config, rs[:cut])
    resumed = State.from_dict(first.as_dict())
    second, moved_second = replay(config, rs[max(0, cut - 5):], resumed)
    assert (second, moved_first + moved_second) == once
