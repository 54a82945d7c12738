"""A small world on the demo district: an open incident with a unit sent, a plan activated
with tasks, a draft and an issued alert; and the API's write endpoints with valid bodies."""

from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from alerts.models import Alert
from incidents import services as incident_services
from incidents.models import Assignment, Incident, TimelineEntry
from plans import services as plan_services
from plans.models import Activation, Plan, Task
from resources.models import Responder

LON, LAT = 113.60, 22.75


@dataclass
class World:
    incident: Incident
    assignment: Assignment
    to_decline: Assignment
    free_unit: int
    activation: Activation
    task: Task
    plan: Plan
    draft: Alert
    issued: Alert


@pytest.fixture
def world(demo):
    users = get_user_model().objects
    commander = users.get(username="commander1")
    incident = incident_services.incident_log(actor=commander, type_code="fire", severity="III", lon=LON, lat=LAT,
                                              title="仓库起火")
    units = dict(Responder.objects.filter(user__username__in=["responder1", "responder2"])
                 .values_list("user__username", "resource_id"))
    assignment, to_decline = (incident_services.assignment_create(
        actor=commander, incident_id=incident.pk, resource_ids=[units[name]])[0] for name in ("responder1", "responder2"))
    free_unit = (Responder.objects.filter(resource__status="available").exclude(resource__in=units.values())
                 .values_list("resource_id", flat=True).first())
    plan = Plan.objects.filter(status="published", code="ZT-01").get()
    activation = plan_services.plan_activate(actor=commander, incident_id=incident.pk, plan_id=plan.pk, level="IV")
    return World(incident=incident, assignment=assignment, to_decline=to_decline, free_unit=free_unit, activation=activation,
                 task=activation.tasks.order_by("id").first(), plan=plan,
                 draft=Alert.objects.get(status="draft"), issued=Alert.objects.get(status="issued"))


def api_as(username):
    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(username=username))
    return client


AREA = {"type": "Polygon", "coordinates": [[[113.62, 22.66], [113.67, 22.66], [113.67, 22.70], [113.62, 22.66]]]}


def write_endpoints(w: World) -> list[tuple[str, str, str, dict]]:
    """(method, url, who may call it, a valid body) for every write endpoint of the API."""
    alert = {"level": "blue", "event": "暴雨", "headline": "暴雨蓝色预警", "description": "强降雨。", "area": AREA,
             "area_description": "新城", "expires": "2099-01-01T00:00:00Z"}
    return [
        ("post", "/api/v1/auth/token/", "", {"username": "viewer1", "password": "x"}),
        ("post", "/api/v1/incidents/", "duty1",
         {"type": "fire", "severity": "IV", "location": {"type": "Point", "coordinates": [LON, LAT]}}),
        ("post", f"/api/v1/incidents/{w.incident.pk}/assignments/", "dispatcher1", {"resources": [w.free_unit]}),
        ("post", f"/api/v1/assignments/{w.assignment.pk}/acknowledge/", "responder1", {}),
        ("post", f"/api/v1/assignments/{w.to_decline.pk}/decline/", "responder2", {"reason": "故障"}),
        ("post", f"/api/v1/assignments/{w.assignment.pk}/status/", "responder1", {"status": "en_route"}),
        ("post", f"/api/v1/incidents/{w.incident.pk}/activations/", "commander1", {"plan": w.plan.pk, "level": "III"}),
        ("post", f"/api/v1/tasks/{w.task.pk}/done/", "duty1", {}),
        ("post", "/api/v1/releases/", "duty1",
         {"chemical": "7782-50-5", "rate_kg_s": 1, "duration_s": 600, "wind_speed_ms": 3, "wind_from_deg": 90,
          "stability": "D", "location": {"type": "Point", "coordinates": [113.66, 22.65]}}),
        ("post", "/api/v1/alerts/", "commander1", alert),
        ("patch", f"/api/v1/alerts/{w.draft.pk}/", "commander1", {"headline": "新标题"}),
        ("post", f"/api/v1/alerts/{w.draft.pk}/issue/", "commander1", {"confirm": True}),
        ("post", f"/api/v1/alerts/{w.issued.pk}/update/", "commander1", {"headline": "更新"}),
        ("post", f"/api/v1/alerts/{w.issued.pk}/cancel/", "commander1", {"note": "解除"}),
    ]


def client_for(who):
    return api_as(who) if who else APIClient()


def snapshot():
    """Counts a rejected request must leave unchanged."""
    return (Incident.objects.count(), Assignment.objects.count(), TimelineEntry.objects.count(),
            Task.objects.count(), Alert.objects.count(), Activation.objects.count(),
            list(Assignment.objects.order_by("id").values_list("status", flat=True)),
            list(Alert.objects.order_by("id").values_list("status", "headline")),
            list(Task.objects.order_by("id").values_list("status", flat=True)))


@pytest.fixture
def logged_daphne(daphne_server):
    """A Daphne for tests sending thousands of requests. start_daphne already logs to a file
    (a full pipe would stall the server), so this is conftest's daphne_server by another name."""
    return daphne_server
