"""Issue 25 point 9: the national scheme's outright-red conditions (应急〔2018〕19号: 直接判定为红色)
are inputs of the enterprise's colour: a 重大 accident in three years, two 较大 ones in three
years, two fatal 一般 ones in a year, and the park's findings of an untested process, an
undesigned installation or unqualified special-work operators."""

import datetime as dt

from django.utils import timezone

from incidents import services as incident_services
from incidents.models import Incident, IncidentType
from oversight import services
from safety import colour_inputs
from safety import rules as ledger_rules
from safety import selectors as ledger_selectors


def factors(enterprise) -> dict:
    colour, found = ledger_rules.enterprise_colour(ledger_selectors.colour_inputs(enterprise.pk))
    return {"colour": colour, "codes": [f["code"] for f in found]}


def accident(actor, source, severity="IV", **toll):
    incident = incident_services.incident_log(actor=actor, type_code="leak", severity=severity, lon=source.location.x,
                                              lat=source.location.y, title="泄漏", risk_source=source)
    if toll:
        Incident.objects.filter(pk=incident.pk).update(**toll)
    return incident


def test_every_national_red_condition_is_measured():
    assert colour_inputs.unregistered_red_conditions() == []


def test_two_larger_accidents_in_three_years_make_the_enterprise_red(park, duty_officer):
    IncidentType.objects.create(code="leak", klass="accident", name_zh="泄漏", name_en="Leak")
    e2, source = park["e2"], park["e2"].risk_sources.get()
    first = accident(duty_officer, source, "III")
    assert factors(e2)["colour"] == "blue"  # one 较大: no outright red
    accident(duty_officer, source, "IV", injuries=12)  # 较大 by its toll (≥ 10 seriously injured)
    assert factors(e2) == {"colour": "red", "codes": ["grade", "larger_accidents"]}
    Incident.objects.filter(pk=first.pk).update(reported_at=timezone.now() - dt.timedelta(days=3 * 365 + 2))
    assert factors(e2)["colour"] == "blue"


def test_two_fatal_general_accidents_in_a_year_make_the_enterprise_red(park, duty_officer):
    IncidentType.objects.create(code="leak", klass="accident", name_zh="泄漏", name_en="Leak")
    e2, source = park["e2"], park["e2"].risk_sources.get()
    accident(duty_officer, source, "IV", deaths=1)
    accident(duty_officer, source, "IV")  # no deaths: does not count
    assert factors(e2)["colour"] == "blue"
    second = accident(duty_officer, source, "IV", deaths=2)
    assert factors(e2) == {"colour": "red", "codes": ["grade", "fatal_general_accidents"]}
    Incident.objects.filter(pk=second.pk).update(reported_at=timezone.now() - dt.timedelta(days=400))
    assert factors(e2)["colour"] == "blue"


def test_a_parks_finding_makes_the_enterprise_red_until_resolved(park, api):
    e2 = park["e2"]
    body = {"enterprise": e2.pk, "condition": "unqualified_operators", "found_on": str(timezone.localdate()),
            "note": "两名动火作业人员无特种作业操作证"}
    assert api(park["officer2"]).post("/api/v1/red-findings/", body, format="json").status_code == 403
    answer = api(park["supervisor"]).post("/api/v1/red-findings/", body, format="json")
    assert answer.status_code == 201, answer.content
    assert factors(e2) == {"colour": "red", "codes": ["grade", "unqualified_operators"]}
    assert [r["condition"] for r in api(park["officer2"]).get("/api/v1/red-findings/").json()["results"]] == [
        "unqualified_operators"]
    assert api(park["officer1"]).get("/api/v1/red-findings/").json()["results"] == []
    bad = api(park["supervisor"]).post("/api/v1/red-findings/", {**body, "condition": "bad_luck"}, format="json")
    assert bad.status_code == 400 and "condition" in bad.json()
    resolve = f"/api/v1/red-findings/{answer.json()['id']}/resolve/"
    assert api(park["supervisor"]).post(resolve, {"resolution": "已取证上岗"}, format="json").status_code == 200
    assert factors(e2)["colour"] == "blue"
    assert api(park["supervisor"]).post(resolve, {"resolution": "again"}, format="json").status_code == 409
    services.red_finding_record(actor=park["supervisor"], enterprise_id=e2.pk, condition="untested_process",
                                found_on=timezone.localdate(), note="未经中试")
    assert factors(e2)["codes"] == ["grade", "untested_process"]


def test_open_findings_and_turnarounds_about_to_run_are_on_the_overview(park, api):
    services.red_finding_record(actor=park["supervisor"], enterprise_id=park["e2"].pk,
                                condition="undesigned_installation", found_on=timezone.localdate(), note="3# 装置")
    services.turnaround_report(actor=park["supervisor"], enterprise_id=park["e1"].pk, kind="overhaul", units=["裂解"],
                               planned_from=timezone.now() + dt.timedelta(days=3),
                               planned_to=timezone.now() + dt.timedelta(days=10), measures="m", approver="a")
    services.turnaround_report(actor=park["supervisor"], enterprise_id=park["e1"].pk, kind="start_up", units=["远"],
                               planned_from=timezone.now() + dt.timedelta(days=30),
                               planned_to=timezone.now() + dt.timedelta(days=31), measures="m", approver="a")
    rows = api(park["supervisor"]).get("/api/v1/oversight/?category=red_finding").json()
    assert [(r["enterprise"]["code"], r["status"]) for r in rows] == [("E2", "overdue")]
    rows = api(park["supervisor"]).get("/api/v1/oversight/?category=turnaround").json()
    assert [(r["enterprise"]["code"], r["status"], "裂解" in r["subject"]) for r in rows] == [("E1", "due", True)]
    assert api(park["officer1"]).get("/api/v1/oversight/?category=red_finding").json() == []
