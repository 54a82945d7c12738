"""After-action report for any incident: page, PDF with Chinese text, reporting deadlines (incidents'
since issue 23; drills adds its sections through incidents.after_action's registry)."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader
from rest_framework.test import APIClient

from core.models import Event
from incidents import after_action, services
from incidents.models import ReportRule
from tests.conftest import exercise_labelled, page_client

pytestmark = pytest.mark.django_db

LON, LAT = 113.60, 22.75
HAZMAT = {"hazmat": True, "lon": LON + 0.01}  # a hazmat unit just east of the incident


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _pdf_text(body: bytes) -> str:
    reader = PdfReader(io.BytesIO(body))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def real_incident(chlorine_town, duty_officer, dispatcher, make_unit):
    incident = services.incident_log(actor=duty_officer, type_code="hazmat-leak", severity="III", lon=LON, lat=LAT,
                                     title="南港氯碱液氯储罐泄漏", address="化工园区 储罐区")
    unit = make_unit("HZA", responder="crewa", **HAZMAT)
    [a] = services.assignment_create(actor=dispatcher, incident_id=incident.pk, resource_ids=[unit.pk])
    services.assignment_set_status(actor=unit.responders.get().user, assignment_id=a.pk, status="on_scene")
    _api(duty_officer).post("/api/v1/releases/", {"chemical": "7782-50-5", "rate_kg_s": 0.5, "wind_speed_ms": 3,
                                                  "wind_from_deg": 135, "stability": "D", "incident": incident.pk},
                            format="json")
    return incident


def test_after_action_report_page_json_and_pdf_in_chinese(real_incident, duty_officer, viewer, outsider):
    page = page_client(viewer).get(f"/drills/after-action/{real_incident.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "南港氯碱液氯储罐泄漏" in html and not exercise_labelled(html) and 'id="report-deadlines"' in html

    data = _api(viewer).get(f"/api/v1/incidents/{real_incident.pk}/after-action/").json()
    assert data["incident"]["exercise"] is False and data["label"] == ""
    assert [u["unit"] for u in data["response"]["units"]] == ["Unit HZA"]
    assert data["releases"][0]["chemical"] == "氯" and data["releases"][0]["zones"]
    assert {r["key"] for r in data["reports"]} >= {"initial_phone", "initial_written"}

    response = page_client(viewer).get(f"/drills/after-action/{real_incident.pk}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    text = _pdf_text(response.content)
    assert "南港氯碱液氯储罐泄漏" in text and real_incident.number in text and "演练" not in text
    assert "初报" in text

    assert page_client(outsider).get(f"/drills/after-action/{real_incident.pk}.pdf").status_code == 403
    assert page_client(viewer).get("/drills/after-action/999999.pdf").status_code == 404


def test_an_exercise_report_says_so_on_every_page(chlorine_town, duty_officer):
    incident = services.incident_log(actor=duty_officer, type_code="hazmat-leak", severity="IV", lon=LON, lat=LAT,
                                     title="演练：储罐泄漏", exercise=True)
    for n in range(40):  # a long timeline: more than one page
        services.incident_add_note(actor=duty_officer, incident_id=incident.pk, text=f"现场报告第 {n} 条：风向东南。")
    body = page_client(duty_officer).get(f"/drills/after-action/{incident.pk}.pdf").content
    reader = PdfReader(io.BytesIO(body))
    assert len(reader.pages) > 1
    assert all("演练 / EXERCISE" in page.extract_text() for page in reader.pages)
    html = page_client(duty_officer).get(f"/drills/after-action/{incident.pk}/").content.decode()
    assert exercise_labelled(html)


def test_reports_first_follow_up_final_with_configurable_deadlines(real_incident, duty_officer, viewer):
    rule = ReportRule.objects.get(severity="III")
    assert (rule.phone_min, rule.written_min) == (30, 60)  # docs/domain.md for Ⅲ
    late = timezone.now() + dt.timedelta(minutes=61)
    rows = {r["key"]: r for r in after_action.incident_report_deadlines(real_incident, now=late)}
    assert rows["initial_phone"]["overdue"] and rows["initial_written"]["overdue"]
    rule.written_min = 120
    rule.save()
    rows = {r["key"]: r for r in after_action.incident_report_deadlines(real_incident, now=late)}
    assert rows["initial_phone"]["overdue"] and not rows["initial_written"]["overdue"]

    client = _api(duty_officer)
    url = f"/api/v1/incidents/{real_incident.pk}/reports/"
    followup_first = client.post(url, {"kind": "followup", "text": "续报"}, format="json")
    assert followup_first.status_code == 409 and "初报" in followup_first.json()["detail"]
    assert client.post(url, {"kind": "initial", "channel": "phone", "text": "电话初报"}, format="json").status_code == 201
    assert client.post(url, {"kind": "initial", "text": "书面初报：液氯泄漏，无人员伤亡。"}, format="json").status_code == 201
    early_final = client.post(url, {"kind": "final", "text": "终报"}, format="json")
    assert early_final.status_code == 409
    assert client.post(url, {"kind": "followup", "text": "续报：已堵漏。"}, format="json").status_code == 201
    rows = after_action.incident_report_deadlines(real_incident)
    assert [r["key"] for r in rows if r["filed"]] == ["initial_phone", "initial_written", "followup"]
    assert any(r["key"] == "followup" and r["due_at"] and not r["filed"] for r in rows)  # the next one is due
    assert Event.objects.filter(type="incident_report.filed").count() == 3
    assert real_incident.timeline.filter(kind="report").count() == 3

    for bad in ({"kind": "weekly", "text": "x"}, {"kind": "initial", "text": ""}, {"kind": "initial", "text": "x",
                                                                                    "channel": "fax"},
                {"kind": "initial", "text": "x", "extra": 1}):
        assert client.post(url, bad, format="json").status_code == 400, bad
    assert _api(viewer).post(url, {"kind": "followup", "text": "x"}, format="json").status_code == 403
    assert client.post("/api/v1/incidents/999999/reports/", {"kind": "initial", "text": "x"},
                       format="json").status_code == 404


def test_people_inside_count_each_target_once_in_nested_zones(real_incident, duty_officer, viewer):
    """Issue 22.9: a school next to the source lies inside AEGL-3, AEGL-2 and AEGL-1; the report
    counted its pupils once per zone. Re-model with the school there and read the totals."""
    from django.contrib.gis.geos import Point

    from hazards.models import SensitiveTarget

    SensitiveTarget.objects.create(code="T-SCH", name="园区小学", kind="school", population=1200,
                                   location=Point(LON + 0.0005, LAT - 0.0005, srid=4326))
    SensitiveTarget.objects.create(code="T-HOME", name="园区宿舍", kind="residential", population=300,
                                   location=Point(LON + 0.0006, LAT - 0.0006, srid=4326))
    answer = _api(duty_officer).post(
        "/api/v1/releases/", {"chemical": "7782-50-5", "rate_kg_s": 0.5, "wind_speed_ms": 3, "wind_from_deg": 315,
                              "stability": "D", "incident": real_incident.pk}, format="json")
    assert answer.status_code == 201, answer.content
    zones = answer.json()["zones"]
    inside = [z for z in zones if z["people"] >= 1500]
    assert len(inside) >= 2, zones  # the two targets sit in several nested zones
    report = after_action.after_action(real_incident)
    assert report["releases"][-1]["people"] == 1500
    html = page_client(viewer).get(f"/drills/after-action/{real_incident.pk}/").content.decode()
    assert "people inside 1500" in " ".join(html.split())
    assert "people inside 3000" not in html and "people inside 4500" not in " ".join(html.split())


def test_the_pdfs_durations_are_in_the_interface_language():
    """Issue 22.10: the Chinese PDF said "49 s / 1 min 00 s"."""
    from django.utils import translation

    from incidents.pdf import _secs

    with translation.override("zh-hans"):
        assert _secs(49) == "49 秒" and _secs(60) == "1 分 00 秒"
    assert _secs(49) == "49 s" and _secs(None) == "—"


def test_the_review_takes_the_parts_of_the_apps_above_from_its_registry():
    """Issue 23: incidents holds the review; drills registers the parts incidents may not read
    (source alarms, plans, warnings, findings), in the order the page and the PDF had."""
    assert [s.name for s in after_action.registered()] == [
        "source-alarms", "response", "plans", "releases", "alerts", "reports", "findings", "timeline"]


def test_a_registered_section_reaches_the_page_the_api_and_the_pdf(real_incident, viewer, monkeypatch):
    """A section an app registers is shown by all three, without incidents knowing the app."""
    monkeypatch.setattr(after_action, "_SECTIONS", dict(after_action._SECTIONS))
    after_action.register(
        "probe", order=90, build=lambda incident: {"probe": f"探针 {incident.number}"},
        as_json=lambda aar: {"probe": aar["probe"]}, template="incidents/after_action/_timeline.html",
        pdf=lambda aar, kit: [kit.h2(aar["probe"])],
        page_context=lambda request, incident: {"aar": {"timeline": []}})
    data = _api(viewer).get(f"/api/v1/incidents/{real_incident.pk}/after-action/").json()
    assert data["probe"] == f"探针 {real_incident.number}"
    text = _pdf_text(page_client(viewer).get(f"/drills/after-action/{real_incident.pk}.pdf").content)
    assert f"探针 {real_incident.number}" in text
    html = page_client(viewer).get(f"/drills/after-action/{real_incident.pk}/").content.decode()
    assert html.count('<h2>Timeline</h2>') == 2  # incidents' own and the probe's (its template)
