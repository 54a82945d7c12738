"""Issue 25 points 1, 5, 6 and 10: licences with their reminders, 包保 duty checks with their
rhythm, safety assessments every three years, each an input of the enterprise's colour, and the
supervisor's one place to see what is due, overdue and expiring (an officer: their own only)."""

import datetime as dt
import io
import json

import pytest
from django.utils import timezone
from openpyxl import load_workbook

import stream
from core.models import Event
from oversight import rules as oversight_rules
from oversight import services
from oversight.models import DutyCheck, Evaluation, Licence
from safety import rules as ledger_rules
from safety import selectors as ledger_selectors
from safety.models import ResponsiblePerson

TODAY = timezone.localdate


def licence_body(owner, **overrides):
    body = {"enterprise": owner.pk, "kind": "safety_production", "number": "(粤)WH安许证字[2024]0001",
            "scope": "液氯 5000 t/a", "valid_from": str(TODAY() - dt.timedelta(days=900)),
            "valid_to": str(TODAY() + dt.timedelta(days=200))}
    return {**body, **overrides}


def factors(enterprise) -> dict:
    colour, found = ledger_rules.enterprise_colour(ledger_selectors.colour_inputs(enterprise.pk))
    return {"colour": colour, "codes": [f["code"] for f in found]}


def test_licences_follow_the_contract_and_each_enterprise_keeps_its_own(park, api):
    e1 = park["e1"]
    officer1 = api(park["officer1"])
    created = officer1.post("/api/v1/licences/", licence_body(e1), format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert {"enterprise", "kind", "number", "scope", "valid_from", "valid_to", "expiring", "expired"} <= set(data)
    assert data["enterprise"]["id"] == e1.pk and data["expiring"] is False and data["expired"] is False
    # Another enterprise's officer cannot write for E1, nor see its licences.
    assert api(park["officer2"]).post("/api/v1/licences/", licence_body(e1), format="json").status_code == 404
    assert api(park["officer2"]).get("/api/v1/licences/").json()["results"] == []
    assert api(park["officer2"]).get(f"/api/v1/licences/{data['id']}/").status_code == 404
    assert len(api(park["supervisor"]).get("/api/v1/licences/").json()["results"]) == 1
    # The same licence entered again is corrected, not duplicated (and never a 500).
    again = officer1.post("/api/v1/licences/", licence_body(e1, valid_to=str(TODAY() + dt.timedelta(days=40))),
                          format="json")
    assert again.status_code == 201 and again.json()["id"] == data["id"] and again.json()["expiring"] is True
    assert Licence.objects.count() == 1


@pytest.mark.parametrize("overrides, field", [
    ({"valid_to": "2024-02-30"}, "valid_to"),
    ({"valid_from": "0001-01-01"}, "valid_from"),
    ({"number": "A\x00B"}, "number"),
    ({"number": "A\ud800B"}, "number"),
    ({"kind": "nope"}, "kind"),
    ({"enterprise": 2**40}, "enterprise"),
    ({"colour": "red"}, "colour"),
])
def test_bad_licence_input_is_a_400_that_names_the_field(park, api, overrides, field):
    # json.dumps escapes a lone surrogate as \\ud800, as a hostile client would send it.
    response = api(park["supervisor"]).post("/api/v1/licences/", json.dumps(licence_body(park["e1"], **overrides)),
                                            content_type="application/json")
    assert response.status_code == 400, response.content
    assert field in response.content.decode()
    assert Licence.objects.count() == 0


def test_a_licence_ending_before_it_begins_is_refused_with_the_dates(park, api):
    response = api(park["supervisor"]).post("/api/v1/licences/", licence_body(
        park["e1"], valid_from="2026-05-01", valid_to="2026-04-01"), format="json")
    assert response.status_code == 400 and "2026-04-01" in response.json()["detail"]


def test_consoles_and_other_roles_do_not_keep_licences(park, api, duty_officer):
    assert api(duty_officer).get("/api/v1/licences/").status_code == 403
    assert api(None).get("/api/v1/licences/").status_code in (401, 403)


def test_reminders_at_90_and_30_days_and_the_lapse_are_told_once_to_the_right_people(park):
    e1 = park["e1"]
    licence = services.licence_record(actor=park["supervisor"], enterprise_id=e1.pk, kind="hazchem_use",
                                      number="L-1", valid_from=TODAY() - dt.timedelta(days=1000),
                                      valid_to=TODAY() + dt.timedelta(days=60))
    now = timezone.now()
    assert services.licence_reminders_send(at=now) == [(licence.pk, "reminder-90")]
    assert services.licence_reminders_send(at=now) == []  # the hourly job runs again: nothing new
    assert services.licence_reminders_send(at=now + dt.timedelta(days=31)) == [(licence.pk, "reminder-30")]
    assert services.licence_reminders_send(at=now + dt.timedelta(days=40)) == []
    assert services.licence_reminders_send(at=now + dt.timedelta(days=61)) == [(licence.pk, "lapsed")]
    assert services.licence_reminders_send(at=now + dt.timedelta(days=62)) == []
    told = Event.objects.filter(type="licence.updated", payload__id=licence.pk).order_by("seq")
    assert [e.payload["change"] for e in told] == ["recorded", "reminder", "reminder", "lapsed"]
    for event in told:
        assert set(event.audiences) == {stream.SAFETY, stream.audience_enterprise(e1.pk)}


def test_a_licence_entered_20_days_before_it_lapses_gets_only_the_30_day_reminder(park):
    licence = services.licence_record(actor=park["supervisor"], enterprise_id=park["e2"].pk, kind="other",
                                      number="L-2", valid_from=TODAY() - dt.timedelta(days=300),
                                      valid_to=TODAY() + dt.timedelta(days=20))
    assert services.licence_reminders_send() == [(licence.pk, "reminder-30")]
    assert services.licence_reminders_send() == []


def test_a_lapsed_licence_makes_the_enterprise_red_until_it_is_renewed(park):
    e2 = park["e2"]  # one grade-3 major hazard source: blue
    assert factors(e2)["colour"] == "blue"
    services.licence_record(actor=park["supervisor"], enterprise_id=e2.pk, kind="safety_production", number="OLD",
                            valid_from=TODAY() - dt.timedelta(days=1100), valid_to=TODAY() - dt.timedelta(days=1))
    assert factors(e2) == {"colour": "red", "codes": ["grade", "licence_lapsed"]}
    # Renewed under a new number: the newest licence of the kind counts.
    services.licence_record(actor=park["supervisor"], enterprise_id=e2.pk, kind="safety_production", number="NEW",
                            valid_from=TODAY(), valid_to=TODAY() + dt.timedelta(days=1095))
    assert factors(e2)["colour"] == "blue"


def _named(source, role, name, days_ago):
    person = ResponsiblePerson.objects.create(risk_source=source, role=role, name=name)
    person.history.update(history_date=timezone.now() - dt.timedelta(days=days_ago))
    return person


def test_duty_checks_keep_their_rhythm_and_a_missed_one_is_overdue_and_colours(park, api):
    e2 = park["e2"]
    source = e2.risk_sources.get()
    _named(source, "operational", "王操作", days_ago=30)  # weekly duty, named a month ago, never checked
    _named(source, "technical", "李技术", days_ago=10)  # monthly duty: not yet due
    status = {r["role"]: r for r in api(park["officer2"]).get("/api/v1/duty-checks/status/").json()}
    assert set(status) == {"operational", "technical"}  # nobody named as principal: a ledger gap, not a late check
    assert status["operational"]["overdue"] is True and status["technical"]["overdue"] is False
    assert factors(e2) == {"colour": "yellow", "codes": ["grade", "duty_checks_overdue"]}
    assert [r["risk_source"]["code"] for r in api(park["officer1"]).get("/api/v1/duty-checks/status/").json()] == []

    recorded = api(park["officer2"]).post("/api/v1/duty-checks/", {
        "risk_source": source.pk, "role": "operational", "at": (timezone.now() - dt.timedelta(hours=2)).isoformat(),
        "findings": "巡检正常"}, format="json")
    assert recorded.status_code == 201, recorded.content
    assert recorded.json()["person"] == "王操作"  # the named person, when none is given
    assert factors(e2)["colour"] == "blue"
    assert Event.objects.filter(type="duty_check.recorded", payload__id=recorded.json()["id"]).exists()


def test_duty_checks_refuse_the_future_other_enterprises_and_minor_sources(park, api):
    source = park["rs1"]
    _named(source, "operational", "张三", days_ago=1)
    body = {"risk_source": source.pk, "role": "operational", "at": (timezone.now() + dt.timedelta(hours=1)).isoformat()}
    future = api(park["officer1"]).post("/api/v1/duty-checks/", body, format="json")
    assert future.status_code == 400 and "future" in future.json()["detail"]
    body["at"] = timezone.now().isoformat()
    assert api(park["officer2"]).post("/api/v1/duty-checks/", body, format="json").status_code == 404
    minor = source.enterprise.risk_sources.model.objects.create(
        code="RS9", name="小仓库", enterprise=source.enterprise, location=source.location)
    refused = api(park["officer1"]).post("/api/v1/duty-checks/", {**body, "risk_source": minor.pk}, format="json")
    assert refused.status_code == 400 and "RS9" in refused.json()["detail"]
    nobody = api(park["officer1"]).post("/api/v1/duty-checks/", {**body, "role": "principal"}, format="json")
    assert nobody.status_code == 400  # nobody is named principal and no person was given
    assert DutyCheck.objects.count() == 0


def test_a_safety_assessment_is_due_every_three_years(park, api):
    e2 = park["e2"]
    source = e2.risk_sources.get()
    old = api(park["supervisor"]).post("/api/v1/evaluations/", {
        "risk_source": source.pk, "agency": "某安全评价公司", "completed_on": str(TODAY() - dt.timedelta(days=3 * 365 + 5))},
        format="json")
    assert old.status_code == 201, old.content
    assert factors(e2) == {"colour": "yellow", "codes": ["grade", "evaluation_overdue"]}
    rows = api(park["supervisor"]).get("/api/v1/oversight/?category=evaluation").json()
    # Late first; E1's source has no assessment on record: listed as due, not (yet) a colour input.
    assert [(r["enterprise"]["code"], r["status"]) for r in rows] == [("E2", "overdue"), ("E1", "due")]
    assert "no safety assessment on record" in rows[1]["subject"]
    completed = TODAY() - dt.timedelta(days=30)
    fresh = api(park["supervisor"]).post("/api/v1/evaluations/", {
        "risk_source": source.pk, "agency": "某安全评价公司", "completed_on": str(completed)}, format="json")
    assert fresh.json()["due_on"] == str(oversight_rules.add_years(completed, 3))
    assert factors(e2)["colour"] == "blue"
    future = api(park["supervisor"]).post("/api/v1/evaluations/", {
        "risk_source": source.pk, "agency": "x", "completed_on": str(TODAY() + dt.timedelta(days=3))}, format="json")
    assert future.status_code == 400 and Evaluation.objects.count() == 2


def test_the_overview_lists_what_is_late_first_and_each_officer_sees_only_their_own(park, api, client):
    e1, e2 = park["e1"], park["e2"]
    services.licence_record(actor=park["supervisor"], enterprise_id=e1.pk, kind="hazchem_use", number="E1-LAPSED",
                            valid_from=TODAY() - dt.timedelta(days=1000), valid_to=TODAY() - dt.timedelta(days=3))
    services.licence_record(actor=park["supervisor"], enterprise_id=e2.pk, kind="hazchem_use", number="E2-SOON",
                            valid_from=TODAY() - dt.timedelta(days=1000), valid_to=TODAY() + dt.timedelta(days=45))
    rows = api(park["supervisor"]).get("/api/v1/oversight/?category=licence").json()
    assert [(r["subject"].split()[-1], r["status"]) for r in rows] == [("E1-LAPSED", "expired"), ("E2-SOON", "expiring")]
    mine = api(park["officer2"]).get("/api/v1/oversight/").json()
    assert {r["enterprise"]["code"] for r in mine} == {"E2"}
    # Filters: by enterprise and status; a bad filter is a 400 that names it.
    assert [r["subject"] for r in api(park["supervisor"]).get(
        f"/api/v1/oversight/?enterprise={e1.pk}&status=expired").json()] == [rows[0]["subject"]]
    bad = api(park["supervisor"]).get("/api/v1/oversight/?status=late")
    assert bad.status_code == 400 and "status" in bad.json()["detail"]
    # An officer asking for another enterprise gets nothing of it.
    assert api(park["officer2"]).get(f"/api/v1/oversight/?enterprise={e1.pk}").json() == []

    # The page, in Chinese, with the export link carrying the filters.
    client.force_login(park["supervisor"])
    page = client.get("/oversight/?category=licence", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    html = page.content.decode()
    assert "E1-LAPSED" in html and "E2-SOON" in html and "category=licence" in html
    assert client.get("/oversight/?enterprise=abc").status_code == 400


def test_the_overview_exports_to_xlsx_even_with_control_characters_and_formulas(park, api):
    services.licence_record(actor=park["supervisor"], enterprise_id=park["e1"].pk, kind="other",
                            number="=HYPERLINK(\"x\")\x0b", valid_from=TODAY() - dt.timedelta(days=10),
                            valid_to=TODAY() + dt.timedelta(days=10))
    response = api(park["supervisor"]).get("/api/v1/oversight.xlsx?category=licence")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    cell = sheet.cell(row=2, column=3)
    assert cell.value.endswith('=HYPERLINK("x")') and cell.data_type == "s"
    assert api(park["officer2"]).get("/api/v1/oversight.xlsx").status_code == 200
    officer_rows = load_workbook(io.BytesIO(api(park["officer2"]).get("/api/v1/oversight.xlsx").content)).active
    assert all("E1" not in str(c.value) for row in officer_rows.iter_rows() for c in row)


def test_a_major_accident_in_three_years_makes_the_enterprise_red_outright(park, duty_officer):
    from incidents import services as incident_services
    from incidents.models import Incident, IncidentType

    e2 = park["e2"]
    IncidentType.objects.create(code="leak", klass="accident", name_zh="泄漏", name_en="Leak")
    source = e2.risk_sources.get()
    incident = incident_services.incident_log(actor=duty_officer, type_code="leak", severity="III",
                                              lon=source.location.x, lat=source.location.y, title="液氨泄漏",
                                              risk_source=source)
    assert factors(e2)["colour"] == "blue"  # 较大 (Ⅲ): not an outright-red condition
    Incident.objects.filter(pk=incident.pk).update(deaths=11)  # the toll makes it 重大 whatever was typed
    assert factors(e2) == {"colour": "red", "codes": ["grade", "major_accident"]}
    Incident.objects.filter(pk=incident.pk).update(reported_at=timezone.now() - dt.timedelta(days=3 * 365 + 2))
    assert factors(e2)["colour"] == "blue"  # more than three years ago
    drill = incident_services.incident_log(actor=duty_officer, type_code="leak", severity="I", exercise=True,
                                           lon=source.location.x, lat=source.location.y, title="演练", risk_source=source)
    assert drill.exercise and factors(e2)["colour"] == "blue"  # a drill never colours an enterprise
