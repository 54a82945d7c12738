"""The read side of issue 6: plans, activations, tasks and shifts; filters, pagination,
ordering; and the same role rules as the pages."""

import datetime as dt

from django.utils import timezone

from plans.models import Plan, Shift, Task

from .conftest import api_as


def test_plans_list_published_with_levels_and_detail_has_actions(world):
    api = api_as("viewer1")
    data = api.get("/api/v1/plans/").json()
    codes = {p["code"]: p for p in data["results"]}
    assert data["count"] == Plan.objects.filter(status="published").count()
    assert all(p["status"] == "published" for p in data["results"])
    assert codes["ZT-01"]["levels"] == ["I", "II", "III", "IV"]
    detail = api.get(f"/api/v1/plans/{world.plan.pk}/").json()
    level_iv = next(lv for lv in detail["levels"] if lv["level"] == "IV")
    assert level_iv["actions"] and {"title", "responsible", "time_limit_min"} <= set(level_iv["actions"][0])
    retired = Plan.objects.filter(status="retired").first()
    assert api.get(f"/api/v1/plans/{retired.pk}/").status_code == 404
    # Planners keep the register: they also see other versions.
    assert api_as("planner1").get(f"/api/v1/plans/{retired.pk}/").status_code == 200
    assert [p["kind"] for p in api.get("/api/v1/plans/?kind=onsite").json()["results"]] == ["onsite"] * len(
        [p for p in data["results"] if p["kind"] == "onsite"])


def test_activations_and_tasks_lists_with_filters(world):
    api = api_as("duty1")
    activations = api.get(f"/api/v1/activations/?incident={world.incident.pk}").json()
    assert activations["count"] == 1 and activations["results"][0]["id"] == world.activation.pk
    assert activations["results"][0]["tasks"]
    assert api.get(f"/api/v1/activations/{world.activation.pk}/").json()["level"] == "IV"

    open_count = Task.objects.filter(status="open").count()
    assert api.get("/api/v1/tasks/?status=open").json()["count"] == open_count
    assert api.post(f"/api/v1/tasks/{world.task.pk}/done/", format="json").status_code == 200
    done = api.get("/api/v1/tasks/?status=done").json()["results"]
    assert [t["id"] for t in done] == [world.task.pk] and done[0]["done_by"] == "duty1"
    assert api.get("/api/v1/tasks/?status=open").json()["count"] == open_count - 1
    assert api.get(f"/api/v1/tasks/{world.task.pk}/").json()["status"] == "done"
    Task.objects.filter(pk__in=Task.objects.filter(status="open").values("pk")[:1]).update(
        due_at=timezone.now() - dt.timedelta(minutes=5))
    assert api.get("/api/v1/tasks/?overdue=true").json()["count"] == 1


def test_shifts_filter_by_person_and_moment(world):
    api = api_as("viewer1")
    now = timezone.now().isoformat()
    covering = api.get("/api/v1/shifts/", {"at": now}).json()["results"]
    assert {s["id"] for s in covering} == set(Shift.objects.filter(start__lte=timezone.now(),
                                                                   end__gt=timezone.now()).values_list("id", flat=True))
    assert {s["person"] for s in covering} == {s["person"] for s in api.get("/api/v1/duty/now/").json()}
    mine = api.get("/api/v1/shifts/?person=dispatcher1").json()["results"]
    assert mine and {s["person"] for s in mine} == {"dispatcher1"}
    # A responder sees only their own shifts (none), never the roster.
    assert api_as("responder1").get("/api/v1/shifts/").json()["count"] == 0


def test_pagination_and_ordering(world):
    api = api_as("viewer1")
    page = api.get("/api/v1/resources/?limit=5&offset=5&ordering=-code").json()
    assert len(page["results"]) == 5 and page["next"] and page["previous"]
    everything = [r["code"] for r in api.get("/api/v1/resources/?ordering=-code&limit=1000").json()["results"]]
    assert everything == sorted(everything, reverse=True)
    assert [r["code"] for r in page["results"]] == everything[5:10]
    assert len(api.get("/api/v1/resources/?limit=100000").json()["results"]) <= 1000


def test_bad_filters_are_a_400_naming_the_filter(world):
    api = api_as("viewer1")
    response = api.get("/api/v1/tasks/?status=finished")
    assert response.status_code == 400 and "status" in response.json()
    response = api.get("/api/v1/shifts/?at=tomorrow")
    assert response.status_code == 400 and "at" in response.json()
    # An offset PostgreSQL would refuse is normalised to UTC first: an answer, not a 500.
    assert api.get("/api/v1/shifts/?at=2026-01-01T00:00:00%2B17:22").status_code == 200
    response = api.get("/api/v1/incidents/?reported_after=yesterday")
    assert response.status_code == 400 and "reported_after" in response.json()


def test_responders_read_only_their_own_work(world):
    responder = api_as("responder1")
    for url in ("/api/v1/incidents/", f"/api/v1/incidents/{world.incident.pk}/", "/api/v1/resources/",
                "/api/v1/plans/", f"/api/v1/plans/{world.plan.pk}/", "/api/v1/activations/", "/api/v1/tasks/",
                f"/api/v1/tasks/{world.task.pk}/", "/api/v1/duty/now/", "/api/v1/risk-sources/",
                "/api/v1/chemicals/", "/api/v1/releases/", "/api/v1/layers/incidents/"):
        assert responder.get(url).status_code == 403, url
    mine = responder.get("/api/v1/assignments/").json()["results"]
    assert [a["id"] for a in mine] == [world.assignment.pk]
    assert responder.get(f"/api/v1/assignments/{world.to_decline.pk}/").status_code == 404
    assert responder.get("/api/v1/me/").json()["resource"] == world.assignment.resource_id


def test_without_credentials_everything_but_public_warnings_is_refused(world):
    from rest_framework.test import APIClient

    anonymous = APIClient()
    for url in ("/api/v1/incidents/", "/api/v1/plans/", "/api/v1/tasks/", "/api/v1/shifts/", "/api/v1/me/",
                "/api/v1/assignments/", "/api/schema/"):
        assert anonymous.get(url).status_code in (401, 403), url
    assert anonymous.get(f"/api/v1/alerts/{world.issued.pk}/cap/").status_code == 200
