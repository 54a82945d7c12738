"""Issue 25 point 2: enterprises report start-ups, shutdowns and turnarounds (开停车/大检修) to the
park; the park's calendar shows them; the incident page says when a unit was not in normal
operation."""

import datetime as dt

from django.utils import timezone

from core.models import Event
from oversight.models import Turnaround


def body(enterprise, **overrides):
    start = timezone.now() - dt.timedelta(hours=2)
    return {"enterprise": enterprise.pk, "kind": "start_up", "units": ["氯碱电解装置"],
            "planned_from": start.isoformat(), "planned_to": (start + dt.timedelta(days=2)).isoformat(),
            "measures": "开车方案已审批；双人确认；消防车现场值守", "approver": "陈国强", **overrides}


def test_an_officer_reports_a_start_up_the_park_and_consoles_hear_of_it(park, api):
    e1 = park["e1"]
    response = api(park["officer1"]).post("/api/v1/turnarounds/", {**body(e1), "risk_sources": [park["rs1"].pk]},
                                          format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert {"enterprise", "kind", "units", "planned_from", "planned_to", "measures", "state"} <= set(data)
    assert data["running"] is True and data["risk_sources"][0]["code"] == "RS1"
    event = Event.objects.get(type="turnaround.reported", payload__id=data["id"])
    assert set(event.audiences) == {"safety", f"enterprise:{e1.pk}", "console"}
    # Another enterprise's officer neither sees it nor reports for E1, nor names E1's risk source.
    assert api(park["officer2"]).get("/api/v1/turnarounds/").json()["results"] == []
    assert api(park["officer2"]).post("/api/v1/turnarounds/", body(e1), format="json").status_code == 404
    theirs = api(park["officer2"]).post("/api/v1/turnarounds/", {**body(park["e2"]), "risk_sources": [park["rs1"].pk]},
                                        format="json")
    assert theirs.status_code == 400 and Turnaround.objects.count() == 1


def test_bad_turnarounds_are_refused_with_what_to_fix(park, api):
    e1 = park["e1"]
    client = api(park["officer1"])
    past = timezone.now() - dt.timedelta(days=10)
    for overrides, words in [
        ({"planned_to": (timezone.now() - dt.timedelta(days=3)).isoformat()}, "ends before it begins"),
        ({"planned_from": past.isoformat(), "planned_to": (past + dt.timedelta(days=1)).isoformat()}, "past"),
        ({"planned_to": (timezone.now() + dt.timedelta(days=400)).isoformat()}, "120"),
        ({"units": ["  "]}, "units"),
        ({"units": []}, "units"),
        ({"kind": "party"}, "kind"),
    ]:
        response = client.post("/api/v1/turnarounds/", body(e1, **overrides), format="json")
        assert response.status_code == 400, (overrides, response.content)
        assert words in response.content.decode(), (words, response.content)
    assert Turnaround.objects.count() == 0


def test_the_calendar_shows_the_month_and_what_runs_now(park, api, client):
    e1 = park["e1"]
    assert api(park["officer1"]).post("/api/v1/turnarounds/", body(e1), format="json").status_code == 201
    client.force_login(park["supervisor"])
    page = client.get("/oversight/calendar/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "氯碱电解装置" in html and html.count("氯碱电解装置") >= 2  # under way now, and on its days
    month = timezone.localdate().strftime("%Y-%m")
    assert client.get(f"/oversight/calendar/?month={month}").status_code == 200
    for bad in ("2026-13", "26-01", "2026-1\x00", "１２３４-01"):
        assert client.get("/oversight/calendar/", {"month": bad}).status_code == 400
    client.force_login(park["officer2"])
    assert "氯碱电解装置" not in client.get("/oversight/calendar/").content.decode()


def test_the_incident_page_says_the_unit_is_starting_up(park, api, client, duty_officer):
    from incidents import services as incident_services
    from incidents.models import IncidentType

    e1, source = park["e1"], park["rs1"]
    IncidentType.objects.create(code="leak", klass="accident", name_zh="泄漏", name_en="Leak")
    incident = incident_services.incident_log(actor=duty_officer, type_code="leak", severity="III",
                                              lon=source.location.x, lat=source.location.y, title="液氯泄漏",
                                              risk_source=source)
    client.force_login(duty_officer)
    assert "turnaround-card" not in client.get(f"/incidents/{incident.pk}/").content.decode()
    api(park["officer1"]).post("/api/v1/turnarounds/", body(e1), format="json")
    html = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "turnaround-card" in html and "氯碱电解装置" in html
