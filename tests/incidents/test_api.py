import pytest
from rest_framework.test import APIClient

from incidents.models import Assignment, Incident

from .conftest import LAT, LON


@pytest.fixture
def api():
    return APIClient()


def _as(api, user):
    api.force_authenticate(user)
    return api


def test_token_login_and_me(api, make_unit, db):
    make_unit("U1", responder="resp")
    response = api.post("/api/v1/auth/token/", {"username": "resp", "password": "test-pass-123"}, format="json")
    assert response.status_code == 200
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    me = api.get("/api/v1/me/").json()
    assert me["username"] == "resp" and me["roles"] == ["responder"] and me["resource"] is not None


def test_create_incident_and_read_it_with_timeline(api, duty_officer, fire_type):
    body = {"type": "fire", "severity": "II", "location": {"type": "Point", "coordinates": [LON, LAT]},
            "title": "<b>厂房</b>起火", "description": "", "caller_name": "王五", "caller_phone": "139"}
    response = _as(api, duty_officer).post("/api/v1/incidents/", body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert {"id", "number", "status"} <= set(data) and data["status"] == "reported"
    detail = api.get(f"/api/v1/incidents/{data['id']}/").json()
    assert detail["timeline"][0]["kind"] == "logged" and detail["assignments"] == []
    assert detail["location"]["coordinates"] == [LON, LAT]


@pytest.mark.parametrize("location,field_message", [
    ({"type": "Point", "coordinates": [LON]}, "GeoJSON Point"),
    ({"type": "Point", "coordinates": ["a", "b"]}, "must be numbers"),
    ({"type": "Point", "coordinates": [500, 22]}, "Longitude"),
    ("113.6,22.7", "GeoJSON Point"),
])
def test_bad_location_gets_a_field_error(api, duty_officer, fire_type, location, field_message):
    body = {"type": "fire", "severity": "II", "location": location}
    response = _as(api, duty_officer).post("/api/v1/incidents/", body, format="json")
    assert response.status_code == 400
    assert field_message in str(response.json()["location"])
    assert not Incident.objects.exists()


def test_unknown_type_unknown_field_and_malformed_json(api, duty_officer, fire_type):
    client = _as(api, duty_officer)
    r = client.post("/api/v1/incidents/", {"type": "volcano", "severity": "I",
                                            "location": {"type": "Point", "coordinates": [LON, LAT]}}, format="json")
    assert r.status_code == 400 and "Unknown incident type" in r.json()["detail"]
    r = client.post("/api/v1/incidents/", {"type": "fire", "severity": "I", "colour": "red",
                                            "location": {"type": "Point", "coordinates": [LON, LAT]}}, format="json")
    assert r.status_code == 400 and "colour" in r.json()
    r = client.post("/api/v1/incidents/", data="{not json", content_type="application/json")
    assert r.status_code == 400


def test_roles_on_incident_endpoints(api, responder_user, viewer, fire_type):
    body = {"type": "fire", "severity": "IV", "location": {"type": "Point", "coordinates": [LON, LAT]}}
    assert _as(api, viewer).post("/api/v1/incidents/", body, format="json").status_code == 403
    assert _as(api, viewer).get("/api/v1/incidents/").status_code == 200
    assert _as(api, responder_user).get("/api/v1/incidents/").status_code == 403
    api.force_authenticate(None)
    assert api.get("/api/v1/incidents/").status_code in (401, 403)


@pytest.fixture
def responder_user(make_unit):
    return make_unit("RU", responder="ru").responders.get().user


def test_recommend_dispatch_and_conflict(api, dispatcher, commander, incident, make_unit):
    unit = make_unit("U1", lon=LON + 0.001)
    recs = _as(api, dispatcher).get(f"/api/v1/incidents/{incident.pk}/recommendations/?limit=3").json()
    assert recs[0]["resource"]["id"] == unit.pk and {"distance_m", "eta_s"} <= set(recs[0])
    r = api.post(f"/api/v1/incidents/{incident.pk}/assignments/", {"resources": [unit.pk]}, format="json")
    assert r.status_code == 201 and r.json()[0]["resource"]["id"] == unit.pk and r.json()[0]["status"] == "pending"
    r = _as(api, commander).post(f"/api/v1/incidents/{incident.pk}/assignments/", {"resources": [unit.pk]}, format="json")
    assert r.status_code == 409 and "Unit U1" in r.json()["detail"] and "dispatcher_t" in r.json()["detail"]
    assert r.json()["unavailable"][0]["id"] == unit.pk
    assert Assignment.objects.count() == 1


def test_dispatch_bad_input(api, dispatcher, incident):
    client = _as(api, dispatcher)
    assert client.post(f"/api/v1/incidents/{incident.pk}/assignments/", {"resources": []}, format="json").status_code == 400
    assert client.post(f"/api/v1/incidents/{incident.pk}/assignments/", {"resources": ["x"]}, format="json").status_code == 400
    assert client.post(f"/api/v1/incidents/{incident.pk}/assignments/", {"resources": [999999]}, format="json").status_code == 404
    assert client.post("/api/v1/incidents/999999/assignments/", {"resources": [1]}, format="json").status_code == 404


def test_responder_sees_and_acts_only_on_their_own_assignments(api, dispatcher, incident, make_unit):
    mine = make_unit("M", responder="me")
    other = make_unit("O", responder="other")
    a_mine, a_other = (Assignment.objects.get(pk=x["id"]) for x in _as(api, dispatcher).post(
        f"/api/v1/incidents/{incident.pk}/assignments/", {"resources": [mine.pk, other.pk]}, format="json").json())
    me = mine.responders.get().user
    client = _as(api, me)
    listed = client.get("/api/v1/assignments/").json()["results"]
    assert [a["id"] for a in listed] == [a_mine.pk]
    assert client.get(f"/api/v1/assignments/{a_other.pk}/").status_code == 404
    r = client.post(f"/api/v1/assignments/{a_other.pk}/acknowledge/")
    assert r.status_code == 404 and r.json()["detail"] == f"No assignment {a_other.pk}."  # as for the GET
    assert client.post(f"/api/v1/assignments/{a_mine.pk}/acknowledge/").status_code == 200
    assert client.post(f"/api/v1/assignments/{a_mine.pk}/status/", {"status": "flying"}, format="json").status_code == 400
    assert client.post(f"/api/v1/assignments/{a_mine.pk}/status/", {"status": "on_scene"}, format="json").status_code == 200
    assert client.post(f"/api/v1/assignments/{a_mine.pk}/decline/", {"reason": "late"}, format="json").status_code == 409


def test_resources_filter(api, viewer, make_unit):
    make_unit("A1")
    make_unit("B1", status="on_scene")
    data = _as(api, viewer).get("/api/v1/resources/?status=available").json()["results"]
    assert [r["code"] for r in data] == ["A1"]
    assert data[0]["location"]["type"] == "Point"


def test_incident_types_listed(api, viewer, fire_type):
    data = _as(api, viewer).get("/api/v1/incident-types/").json()
    assert data == [{"code": "fire", "klass": "accident", "name_zh": "火灾", "name_en": "Fire",
                     "required_capabilities": ["fire_suppression"]}]
