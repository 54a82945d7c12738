"""Issue 25 point 9: a gas detector reading above its range is an HH alarm as well as a fault.
A detector pinned at full scale in a big leak must not read as "broken sensor" only."""

import datetime as dt

from django.utils import timezone

from monitoring import store as ingest_store
from monitoring.engine import Config, replay
from monitoring.models import Alarm
from monitoring.parsing import RawReading

T0 = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=30)


def test_a_gas_detector_past_full_scale_raises_hh_and_fault_in_the_engine():
    gas = Config(range_min=0, range_max=100, h=20, hh=40, delay_s=3, interval_s=5, saturates_high=True)
    state, moved = replay(gas, [(s, 120.0, "good") for s in range(5)])
    assert sorted((t.slot, t.action, t.level) for t in moved) == [
        ("diagnostic", "raise", "fault"), ("process", "raise", "hh")]
    assert state.process.level == "hh" and state.diagnostic.level == "fault"


def test_other_instruments_past_their_range_stay_a_fault_only():
    tank = Config(range_min=0, range_max=100, h=85, hh=95, delay_s=3, interval_s=5)
    state, moved = replay(tank, [(s, 120.0, "good") for s in range(5)])
    assert [(t.slot, t.level) for t in moved] == [("diagnostic", "fault")]
    assert state.process.level is None


def test_a_bad_quality_reading_from_a_gas_detector_is_no_leak():
    gas = Config(range_min=0, range_max=100, h=20, hh=40, delay_s=3, interval_s=5, saturates_high=True)
    state, moved = replay(gas, [(s, 120.0, "bad") for s in range(5)])
    assert [(t.slot, t.level) for t in moved] == [("diagnostic", "fault")]


def test_a_saturated_toxic_gas_point_rings_hh_and_fault_on_the_console(make_point):
    point = make_point(kind="toxic_gas")
    tank = make_point(code="LT1", kind="level", unit="%", limit_h=85, limit_hh=95)
    readings = [RawReading(point=code, ts=T0 + dt.timedelta(seconds=s), value=150.0, good=True)
                for code in ("GAS1", "LT1") for s in range(6)]
    ingest_store.readings_store(readings=readings)
    assert sorted(Alarm.objects.filter(point=point).values_list("level", flat=True)) == ["fault", "hh"]
    assert list(Alarm.objects.filter(point=tank).values_list("level", flat=True)) == ["fault"]
