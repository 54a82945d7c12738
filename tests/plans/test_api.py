import datetime as dt

import pytest
from django.utils import timezone
from icalendar import Calendar
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from plans.models import Activation, CalendarToken, DutyPost, Plan, Shift, Task
from tests.plans.conftest import make_plan


def client_for(user):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_incident_plans_lists_matching_plans_with_level(plan, incident, viewer, outsider):
    response = client_for(viewer).get(f"/api/v1/incidents/{incident.pk}/plans/")
    assert response.status_code == 200
    assert response.json() == [{"plan": {"id": plan.pk, "code": "HZ-T", "title": "HZ-T 预案", "kind": "special",
                                         "version": 1}, "level": "IV", "triggered_by": []}]
    assert client_for(outsider).get(f"/api/v1/incidents/{incident.pk}/plans/").status_code == 403
    assert client_for(None).get(f"/api/v1/incidents/{incident.pk}/plans/").status_code in (401, 403)
    assert client_for(viewer).get("/api/v1/incidents/999999/plans/").status_code == 404


def test_activation_api_creates_tasks_then_raise_adds_without_duplicates(plan, incident, commander):
    api = client_for(commander)
    response = api.post(f"/api/v1/incidents/{incident.pk}/activations/", {"plan": plan.pk, "level": "IV"},
                        format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["plan"] == plan.pk and body["level"] == "IV"
    assert {t["title"] for t in body["tasks"]} == {"通知园区管委会", "派出危化品处置车"}
    assert set(body["tasks"][0]) >= {"id", "title", "responsible", "due_at", "status"}
    assert body["tasks"][0]["status"] == "open"

    response = api.post(f"/api/v1/incidents/{incident.pk}/activations/", {"plan": plan.pk, "level": "III"},
                        format="json")
    assert response.status_code == 201 and response.json()["id"] == body["id"]
    assert len(response.json()["tasks"]) == 4
    listed = api.get(f"/api/v1/incidents/{incident.pk}/activations/").json()
    assert len(listed) == 1 and listed[0]["level"] == "III"


def test_activation_api_refuses_bad_input_with_a_message(plan, hazmat_type, incident, commander, dispatcher):
    api = client_for(commander)
    draft = make_plan(code="DR", status=Plan.Status.DRAFT, types=[hazmat_type])
    cases = [
        ({"plan": draft.pk, "level": "IV"}, 409, "only a published plan"),
        ({"plan": plan.pk, "level": "I"}, 400, "has no level"),
        ({"plan": plan.pk, "level": "X"}, 400, "Level must be one of"),
        ({"plan": 999999, "level": "IV"}, 404, "No contingency plan"),
    ]
    for body, status, message in cases:
        response = api.post(f"/api/v1/incidents/{incident.pk}/activations/", body, format="json")
        assert response.status_code == status, body
        assert message in response.json()["detail"]
    response = api.post(f"/api/v1/incidents/{incident.pk}/activations/", {"level": "IV"}, format="json")
    assert response.status_code == 400 and "plan" in response.json()
    response = client_for(dispatcher).post(f"/api/v1/incidents/{incident.pk}/activations/",
                                           {"plan": plan.pk, "level": "IV"}, format="json")
    assert response.status_code == 403
    assert not Activation.objects.exists() and not Task.objects.exists()


def test_task_done_api(plan, incident, commander, duty_officer, viewer):
    client_for(commander).post(f"/api/v1/incidents/{incident.pk}/activations/", {"plan": plan.pk, "level": "IV"},
                               format="json")
    task = Task.objects.first()
    assert client_for(viewer).post(f"/api/v1/tasks/{task.pk}/done/").status_code == 403
    response = client_for(duty_officer).post(f"/api/v1/tasks/{task.pk}/done/")
    assert response.status_code == 200
    assert response.json()["status"] == "done" and response.json()["done_by"] == duty_officer.username
    again = client_for(duty_officer).post(f"/api/v1/tasks/{task.pk}/done/")
    assert again.status_code == 409 and "already done" in again.json()["detail"]
    assert client_for(duty_officer).post("/api/v1/tasks/999999/done/").status_code == 404
    assert client_for(duty_officer).get(f"/api/v1/tasks/{task.pk}/done/").status_code == 405


@pytest.fixture
def shifts(db, duty_officer, dispatcher):
    post = DutyPost.objects.create(code="OFFICER", name="值班员")
    now = timezone.now()
    return (Shift.objects.create(post=post, person=duty_officer, start=now - dt.timedelta(hours=1),
                                 end=now + dt.timedelta(hours=7)),
            Shift.objects.create(post=post, person=dispatcher, start=now + dt.timedelta(hours=7),
                                 end=now + dt.timedelta(hours=15)))


def test_duty_now(shifts, viewer, outsider):
    response = client_for(viewer).get("/api/v1/duty/now/")
    assert response.status_code == 200
    [row] = response.json()
    assert row["post"] == "值班员" and row["person"] == "duty_t"
    assert set(row) >= {"post", "person", "start", "end"}
    assert client_for(outsider).get("/api/v1/duty/now/").status_code == 403


def test_roster_ics_by_login_token_and_feed_secret(client, shifts, duty_officer, dispatcher, outsider):
    url = "/api/v1/people/duty_t/roster.ics"
    assert client.get(url).status_code == 401
    client.force_login(duty_officer)
    response = client.get(url, HTTP_ACCEPT="text/calendar")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    assert len(Calendar.from_ical(response.content).walk("VEVENT")) == 1
    client.force_login(outsider)
    assert client.get(url).status_code == 403  # not theirs, and no console role
    client.logout()
    token = Token.objects.create(user=dispatcher)
    assert client.get(url, HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 200  # console role
    secret = CalendarToken.objects.create(user=duty_officer).token
    assert client.get(f"{url}?token={secret}").status_code == 200
    assert client.get(f"{url}?token=wrong").status_code == 403
    # Signed out, a missing person answers as an existing one does (issue 16, point 12).
    assert client.get("/api/v1/people/nobody/roster.ics").status_code == 401
