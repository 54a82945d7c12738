"""The ledger's rules and state machines as pure functions, driven by hypothesis."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from safety import rules

STATES = [rules.HD.REPORTED, rules.HD.RECTIFYING, rules.HD.AWAITING, rules.HD.CLOSED]
STEPS = ["plan", "rectified", "verify"]
T0 = dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC)


def test_the_twenty_criteria_ship_with_their_wording():
    data = rules.major_criteria()
    assert data["document"] == "安监总管三〔2017〕121号"
    assert [c["code"] for c in data["criteria"]] == [f"121-{n:02d}" for n in range(1, 21)]
    assert rules.criterion_text("121-02") == "特种作业人员未持证上岗。"
    assert "万向管道充装系统" in rules.criterion_text("121-07")
    assert all(c["text"].endswith("。") for c in data["criteria"])


@given(st.lists(st.tuples(st.sampled_from(STEPS), st.booleans()), max_size=30))
def test_hidden_danger_walks_only_through_allowed_steps(walk):
    """Any sequence of steps: refused steps change nothing, closed is final, and nothing reaches
    closed without passing awaiting verification."""
    state, seen = rules.HD.REPORTED, [rules.HD.REPORTED]
    for step, accepted in walk:
        after = rules.hidden_danger_next(state, step, accepted=accepted)
        if state == rules.HD.CLOSED:
            assert after is None
        if after is None:
            continue
        if after == rules.HD.CLOSED:
            assert state == rules.HD.AWAITING and step == "verify" and accepted
        if step == "verify" and not accepted:
            assert after == rules.HD.RECTIFYING
        state = after
        seen.append(state)
    assert set(seen) <= set(STATES)


@given(st.sampled_from(["general", "major"]), st.lists(st.sampled_from(rules.criteria_codes()), max_size=5))
def test_any_criterion_forces_major(level, criteria):
    assert rules.hidden_danger_level(level, criteria) == ("major" if criteria else level)


@given(st.fixed_dictionaries({k: st.one_of(st.none(), st.just(""), st.just("x")) for k in rules.FIVE_IN_PLACE}))
def test_major_needs_all_five_general_needs_measures(plan):
    missing_major = rules.missing_five("major", plan)
    assert missing_major == [k for k in rules.FIVE_IN_PLACE if plan[k] in (None, "")]
    assert rules.missing_five("general", plan) == ([] if plan["measures"] == "x" else ["measures"])


@given(st.lists(st.sampled_from(["start", "cancel", "suspend", "resume", "close"]), max_size=30))
def test_permit_states(walk):
    state = rules.WP.SUBMITTED
    started = False
    for step in walk:
        after = rules.permit_next(state, step)
        if state in (rules.WP.CLOSED, rules.WP.CANCELLED):
            assert after is None  # final
        if after is None:
            continue
        if after == rules.WP.IN_PROGRESS and step == "start":
            started = True
        if after == rules.WP.CANCELLED:
            assert not started  # work that began is closed, never cancelled
        state = after


@given(st.sampled_from(rules.LEC_L), st.sampled_from(rules.LEC_E), st.sampled_from(rules.LEC_C))
def test_lec_score_and_colour_bands(likelihood, exposure, consequence):
    score = rules.risk_score("LEC", likelihood=likelihood, exposure=exposure, consequence=consequence)
    colour = rules.risk_colour("LEC", score)
    expected = "red" if score >= 320 else "orange" if score >= 160 else "yellow" if score >= 70 else "blue"
    assert colour == expected


def test_lec_and_ls_refuse_factors_outside_their_tables():
    for kwargs in ({"likelihood": 2, "exposure": 6, "consequence": 40}, {"likelihood": 3, "exposure": 6, "consequence": 41}):
        try:
            rules.risk_score("LEC", **kwargs)
        except ValueError as exc:
            assert "must be one of" in str(exc)
        else:
            raise AssertionError("accepted a factor outside the table")
    assert rules.risk_colour("LS", rules.risk_score("LS", likelihood=5, severity=4)) == "red"
    assert rules.risk_colour("LS", rules.risk_score("LS", likelihood=2, severity=4)) == "blue"


@given(st.sampled_from(["special", "first", "second"]), st.integers(min_value=1, max_value=200))
def test_hot_work_validity(grade, hours):
    breaches = rules.permit_window_breaches("hot_work", grade, T0, T0 + dt.timedelta(hours=hours))
    limit = 8 if grade in ("special", "first") else 72
    assert bool(breaches) == (hours > limit)
    if breaches:
        assert breaches[0].rule == "GB 30871-2022 5.1"


@given(st.floats(min_value=0, max_value=5, allow_nan=False), st.floats(min_value=0.5, max_value=20, allow_nan=False))
def test_combustible_limit_depends_on_the_lel(combustible, lel):
    test = {"at": T0, "combustible_percent": combustible, "lel_percent": lel}
    breaches = rules.gas_test_breaches("hot_work", test, now=T0)
    limit = 0.5 if lel >= 4 else 0.2
    assert bool(breaches) == (combustible > limit)
    assert all(b.rule == "GB 30871-2022 5.3.2" for b in breaches)


@given(st.floats(min_value=10, max_value=30, allow_nan=False))
def test_confined_space_oxygen_range(o2):
    test = {"at": T0, "combustible_percent": 0, "lel_percent": 5, "o2_percent": o2}
    rules_broken = {b.rule for b in rules.gas_test_breaches("confined_space", test, now=T0)}
    assert ("GB 30871-2022 6.4 a)" in rules_broken) == (not 19.5 <= o2 <= 21)


def test_start_needs_a_fresh_gas_test():
    test = {"at": T0, "combustible_percent": 0.1, "lel_percent": 5, "o2_percent": 20.5}
    window = {"valid_from": T0, "valid_to": T0 + dt.timedelta(hours=8)}
    assert rules.start_breaches("confined_space", test, at=T0 + dt.timedelta(minutes=30), **window) == []
    stale = rules.start_breaches("confined_space", test, at=T0 + dt.timedelta(minutes=31), **window)
    assert [b.rule for b in stale] == ["GB 30871-2022 6.3"]
    none = rules.start_breaches("hot_work", None, at=T0, **window)
    assert [b.rule for b in none] == ["GB 30871-2022 5.3"]
    assert rules.retest_due("confined_space", T0) == T0 + dt.timedelta(hours=2)


@given(st.builds(rules.ColourInputs, best_grade=st.sampled_from([None, 1, 2, 3, 4]),
                 red_risk_points=st.integers(0, 3), open_major_hidden_dangers=st.integers(0, 3),
                 overdue_items=st.integers(0, 3), expired_qualifications=st.integers(0, 3),
                 active_alarms=st.integers(0, 3), missing_commitment=st.booleans()),
       st.sampled_from(["red_risk_points", "open_major_hidden_dangers", "overdue_items", "expired_qualifications",
                        "active_alarms", "missing_commitment"]))
def test_colour_is_monotone_and_explained(inputs, field):
    colour, factors = rules.enterprise_colour(inputs)
    assert factors and factors[-1]["colour"] == colour
    worse = rules.ColourInputs(**{**inputs.__dict__, field: True if field == "missing_commitment" else getattr(inputs, field) + 1})
    worse_colour, _ = rules.enterprise_colour(worse)
    assert rules.COLOURS.index(worse_colour) >= rules.COLOURS.index(colour)
    if inputs.open_major_hidden_dangers:
        assert colour == "red"
