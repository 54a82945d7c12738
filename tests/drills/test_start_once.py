"""Starting a drill twice (issue 14 point 5), also as "plan and start" sent twice: a
double-click, or two directors at once. One scenario runs one drill at a time; the second
start is a 409 with a message and writes nothing (no second drill, no second set of injects)."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from drills import services
from drills.models import Drill, InjectRun
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_plan_and_start_sent_twice_runs_one_drill(make_scenario, director):
    scenario = make_scenario((0, "call"), (60, "message"))
    api = APIClient()
    api.force_authenticate(director)
    first = api.post("/api/v1/drills/", {"scenario": scenario.pk, "start": True}, format="json")
    assert first.status_code == 201 and first.json()["status"] == "running", first.content
    second = api.post("/api/v1/drills/", {"scenario": scenario.pk, "start": True}, format="json")
    assert second.status_code == 409 and "already running" in second.json()["detail"]
    assert Drill.objects.count() == 1 and InjectRun.objects.count() == 2

    # A drill planned earlier cannot start beside the running one either; it stays planned.
    planned = services.drill_plan(actor=director, scenario_id=scenario.pk)
    started = api.post(f"/api/v1/drills/{planned.pk}/start/", {}, format="json")
    assert started.status_code == 409
    assert Drill.objects.get(pk=planned.pk).status == "planned" and InjectRun.objects.count() == 2

    # The console form says why, and writes nothing.
    page = Client()
    assert page.login(username=director.username, password=PASSWORD)
    answer = page.post("/drills/new/", {"scenario": scenario.pk, "speed": "1", "start": "1"}, follow=True)
    assert "already running" in answer.content.decode()
    assert Drill.objects.count() == 2 and InjectRun.objects.count() == 2

    # Once the first has ended, the scenario runs again.
    services.drill_end(actor=director, drill_id=first.json()["id"])
    again = api.post(f"/api/v1/drills/{planned.pk}/start/", {}, format="json")
    assert again.status_code == 200 and Drill.objects.get(pk=planned.pk).status == "running"
