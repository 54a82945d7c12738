"""GB 30871-2022's rules of issue 25 point 7 as plain functions, on fixed clocks (no database)."""

import datetime as dt

from django.utils import timezone

from safety import special_work as sw
from safety.models import WorkPermit


def local(y, m, d, h, minute=0):
    return timezone.make_aware(dt.datetime(y, m, d, h, minute), timezone.get_current_timezone())


WED = (2026, 12, 9)  # a Wednesday
SAT = (2026, 12, 12)


def test_hot_work_goes_one_grade_up_at_night_on_rest_days_and_in_wind():
    assert sw.upgraded_grade("second", local(*WED, 9), local(*WED, 17)) == ("second", [])
    grade, why = sw.upgraded_grade("second", local(*WED, 20), local(*WED, 23))
    assert grade == "first" and "5.1.1" in why[0] and "22:00" in why[0]
    grade, why = sw.upgraded_grade("second", local(*WED, 9), local(*WED, 17), wind_force=5)
    assert grade == "first" and "force 5" in why[0]
    assert sw.upgraded_grade("second", local(*WED, 9), local(*WED, 17), wind_force=4)[0] == "second"
    assert sw.upgraded_grade("second", local(*SAT, 9), local(*SAT, 12))[0] == "first"
    assert sw.upgraded_grade("second", local(*WED, 9), local(*WED, 12), rest_day=True)[0] == "first"
    assert sw.upgraded_grade("first", local(*WED, 23), local(*WED, 23, 30))[0] == "special"
    # 升级管理 is one step, however many reasons; 特级 is the top.
    assert sw.upgraded_grade("second", local(*SAT, 23), local(*SAT, 23, 30), wind_force=6)[0] == "first"
    assert sw.upgraded_grade("special", local(*SAT, 23), local(*SAT, 23, 30))[0] == "special"
    # A window running Friday 09:00 to Monday 09:00 touches the weekend.
    assert sw.upgraded_grade("second", local(2026, 12, 11, 9), local(2026, 12, 14, 9))[0] == "first"


def test_validity_of_work_at_height_and_temporary_power():
    start = local(*WED, 8)
    assert sw.validity_breaches("height", start, start + dt.timedelta(days=7)) == []
    assert sw.validity_breaches("height", start, start + dt.timedelta(days=8))[0].rule == "GB 30871-2022 8.2.11"
    long = sw.validity_breaches("temporary_power", start, start + dt.timedelta(days=20))
    assert long[0].rule == "GB 30871-2022 10.8" and "extension_reason" in long[0].message
    assert sw.validity_breaches("temporary_power", start, start + dt.timedelta(days=20), extension_reason="turnaround") == []
    assert sw.validity_breaches("temporary_power", start, start + dt.timedelta(days=31),
                                extension_reason="turnaround")[0].rule == "GB 30871-2022 10.8"
    assert sw.validity_breaches("lifting", start, start + dt.timedelta(days=3)) == []


def test_approvals_by_grade_and_kind_given_on_site():
    """GB 30871-2022 Table B.1: each kind and grade by its approver, a higher rank standing in, a
    department never for another department."""
    table = {("hot_work", "special"): "principal", ("hot_work", "first"): "safety_head",
             ("hot_work", "second"): "unit_head", ("confined_space", ""): "unit_head",
             ("blind_plate", ""): "unit_head", ("height", ""): "unit_head", ("lifting", ""): "department_head",
             ("temporary_power", ""): "power_supply", ("excavation", ""): "department_head",
             ("road_closure", ""): "department_head"}
    assert {key: sw.required_approver(*key) for key in table} == table
    assert {kind for kind, _grade in table} == set(WorkPermit.Kind.values)  # all eight kinds have their row
    low = sw.approval_breaches("hot_work", "special", "safety_head", on_site=True)
    assert [b.rule for b in low] == ["GB 30871-2022 Table B.1"] and "主管领导" in low[0].message
    assert [b.rule for b in sw.approval_breaches("hot_work", "second", "principal", on_site=False)] == [
        "GB 30871-2022 4.11"]
    assert sw.approval_breaches("blind_plate", "", "boss", on_site=True)[0].rule == "GB 30871-2022 Table B.1"
    assert not sw.approved("hot_work", "first", [{"level": "unit_head", "on_site": True}])
    assert not sw.approved("hot_work", "first", [{"level": "safety_head", "on_site": False}])
    assert not sw.approved("hot_work", "first", [{"level": "department_head", "on_site": True}])
    assert sw.approved("hot_work", "first", [{"level": "unit_head", "on_site": True},
                                             {"level": "principal", "on_site": True}])
    # Excavation and road closure by the specialist department, not the operating unit.
    assert [b.rule for b in sw.approval_breaches("excavation", "", "unit_head", on_site=True)] == [
        "GB 30871-2022 Table B.1"]
    assert sw.approved("road_closure", "", [{"level": "department_head", "on_site": True}])
    # Temporary power by the power distribution unit: the safety department does not stand in.
    refused = sw.approval_breaches("temporary_power", "", "safety_head", on_site=True)
    assert refused and "配送电单位" in refused[0].message
    assert sw.approved("temporary_power", "", [{"level": "power_supply", "on_site": True}])
    assert sw.approved("lifting", "", [{"level": "principal", "on_site": True}])
    assert not sw.approved("lifting", "", [{"level": "unit_head", "on_site": True}])


def test_breaks_need_a_new_analysis_after_30_or_60_minutes():
    at = local(*WED, 12)
    paused = at - dt.timedelta(minutes=31)
    breaches, fresh = sw.resume_breaches("hot_work", "first", paused_at=paused, at=at,
                                       latest_test_at=paused - dt.timedelta(minutes=1))
    assert fresh and breaches[0].rule == "GB 30871-2022 5.3.1" and "31 min" in breaches[0].message
    # A test taken during the break counts as the new analysis.
    assert sw.resume_breaches("hot_work", "first", paused_at=paused, at=at,
                              latest_test_at=at - dt.timedelta(minutes=5)) == ([], True)
    assert sw.resume_breaches("hot_work", "second", paused_at=paused, at=at, latest_test_at=None) == ([], False)
    assert sw.resume_breaches("hot_work", "second", paused_at=at - dt.timedelta(minutes=61), at=at,
                              latest_test_at=None)[0][0].rule == "GB 30871-2022 5.3.1"
    assert sw.resume_breaches("confined_space", "", paused_at=at - dt.timedelta(minutes=61), at=at,
                              latest_test_at=None)[0][0].rule == "GB 30871-2022 6.3"
    # Stopped by a failed test or an alarm (no break recorded): always a fresh analysis.
    assert sw.resume_breaches("confined_space", "", paused_at=None, at=at, latest_test_at=None) == ([], True)
    assert sw.resume_breaches("height", "", paused_at=paused, at=at, latest_test_at=None) == ([], False)


def test_daily_analysis_continuous_monitoring_and_oxygen_equipment():
    at = local(*WED, 8)
    assert sw.daily_analysis_breach("hot_work", at - dt.timedelta(hours=10), at).rule == "GB 30871-2022 5.3.1"
    assert sw.daily_analysis_breach("hot_work", at - dt.timedelta(minutes=10), at) is None
    assert sw.daily_analysis_breach("confined_space", None, at) is None
    assert sw.continuous_breach("hot_work", "special", "  ").rule == "GB 30871-2022 5.3.1"
    assert sw.continuous_breach("hot_work", "special", "GD-101") is None
    assert sw.continuous_breach("hot_work", "first", "") is None
    assert sw.oxygen_breach("hot_work", True, 23.6).rule == "GB 30871-2022 5.2.7"
    assert sw.oxygen_breach("hot_work", True, None).rule == "GB 30871-2022 5.2.7"
    assert sw.oxygen_breach("hot_work", True, 23.5) is None
    assert sw.oxygen_breach("hot_work", False, 30) is None


def test_toxic_gas_is_held_to_the_mediums_gbz_limit():
    h2s = sw.medium_limit_ppm("7783-06-4")  # MAC 10 mg/m³ → ppm at 25 °C
    assert abs(h2s - 10 * 24.45 / 34.08) < 0.01
    assert sw.toxic_limit_breaches("7783-06-4", None) == (h2s, [])
    assert sw.toxic_limit_breaches("7783-06-4", 5) == (5, [])  # stricter: kept
    limit, breaches = sw.toxic_limit_breaches("7783-06-4", 20)
    assert limit is None and breaches[0].rule == "GB 30871-2022 6.4 b)" and "硫化氢" in breaches[0].message
    assert sw.toxic_limit_breaches("9999-99-9", None)[1][0].rule == "GB 30871-2022 6.4 b)"
    assert sw.toxic_limit_breaches("9999-99-9", 3) == (3, [])
    assert sw.toxic_limit_breaches("", 3) == (3, [])


def test_two_blind_plate_jobs_on_one_pipeline_and_contractor_qualifications():
    other = [{"id": 7, "kind": "blind_plate", "place": "P-1"}]
    assert sw.simultaneous_breach("blind_plate", "P-1001", other).rule == "GB 30871-2022 7.10"
    assert sw.simultaneous_breach("blind_plate", "P-1001", [{"id": 8, "kind": "hot_work", "place": ""}]) is None
    assert sw.simultaneous_breach("hot_work", "P-1001", other) is None
    end = local(*WED, 18)
    quals = [{"kind": "安全生产许可证", "number": "A-1", "valid_to": dt.date(2026, 12, 8)},
             {"kind": "焊工证", "number": "W-2", "valid_to": dt.date(2026, 12, 9)}]
    breaches = sw.qualification_breaches("珠江安装", quals, end)
    assert len(breaches) == 1 and "A-1" in breaches[0].message and "2026-12-08" in breaches[0].message
    assert sw.qualification_breaches("珠江安装", [], end)[0].rule == sw.CONTRACTOR_CLAUSE


def test_the_twelve_media_hold_gbz_2_1_table_1():
    """The limits as checked against GBZ 2.1-2019 Table 1 (mg/m³: MAC, PC-TWA, PC-STEL)."""
    table = {"7783-06-4": (10, None, None), "7664-41-7": (None, 20, 30), "7782-50-5": (1, None, None),
             "630-08-0": (None, 20, 30), "71-43-2": (None, 6, 10), "7446-09-5": (None, 5, 10),
             "7647-01-0": (7.5, None, None), "74-90-8": (1, None, None), "75-44-5": (0.5, None, None),
             "10102-44-0": (None, 5, 10), "67-56-1": (None, 25, 50), "108-88-3": (None, 50, 100)}
    assert {cas: (row["mac"], row["pc_twa"], row["pc_stel"]) for cas, row in sw.toxic_limits().items()} == table
    # Hydrogen cyanide's MAC is expressed as CN (按CN计): 1 mg CN/m³ is 24.45 / 26.02 ppm of HCN.
    assert abs(sw.medium_limit_ppm("74-90-8") - 24.45 / 26.02) < 0.001


def test_work_at_height_and_lifting_are_approved_by_their_grade():
    # GB/T 3608-2008 heights and the lifting chapter's masses choose Table B.1's row.
    assert [sw.work_grade("height", "", h) for h in (2, 5, 5.1, 15, 15.5, 30, 31)] == [
        "I", "I", "II", "II", "III", "III", "IV"]
    assert [sw.work_grade("lifting", "", None, t) for t in (39.9, 40, 100, 100.1)] == ["3", "2", "2", "1"]
    assert sw.work_grade("hot_work", "first", 50, 500) == "first"
    assert sw.required_approver("height", sw.work_grade("height", "", 4)) == "unit_head"
    assert sw.required_approver("height", sw.work_grade("height", "", 20)) == "department_head"
    assert sw.required_approver("height", sw.work_grade("height", "", 40)) == "principal"
    assert sw.required_approver("lifting", sw.work_grade("lifting", "", None, 150)) == "principal"
    assert not sw.approved("lifting", "1", [{"level": "department_head", "on_site": True}])
    assert sw.approved("lifting", "2", [{"level": "department_head", "on_site": True}])


def test_work_at_height_needs_its_height_and_lifting_its_load():
    assert [b.rule for b in sw.work_size_breaches("height", None, None)] == ["GB/T 3608-2008"]
    assert "not work at height" in sw.work_size_breaches("height", 1.5, None)[0].message
    assert sw.work_size_breaches("height", 2, None) == []
    assert "load" in sw.work_size_breaches("lifting", None, None)[0].message
    assert sw.work_size_breaches("lifting", None, 12) == []
    assert len(sw.work_size_breaches("hot_work", 3, 12)) == 2  # neither belongs on a hot-work permit
