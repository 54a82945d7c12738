"""The park monitoring API (docs/contract.md "Park monitoring"): every endpoint with the right
role, the wrong role and bad input."""

import datetime as dt
import json

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from monitoring import store
from monitoring.models import Alarm, DeadLetter, Reading
from monitoring.parsing import RawReading


def client_for(user=None, token=False):
    client = APIClient()
    if user is not None:
        if token:
            client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
        else:
            client.force_authenticate(user)
    return client


def iso(seconds_ago: float) -> str:
    return (dt.datetime.now(dt.UTC) - dt.timedelta(seconds=seconds_ago)).isoformat()


def post_json(client, url, body):
    return client.post(url, json.dumps(body) if not isinstance(body, bytes) else body, content_type="application/json")


def raise_alarm(code="GAS1", value=25):
    base = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    store.readings_store(readings=[RawReading(code, base + dt.timedelta(seconds=s), value, True) for s in range(6)])
    return Alarm.objects.get(point__code=code)


# --- POST /api/v1/readings/ --------------------------------------------------------------

def device_client(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_readings_post_with_a_device_token_accepts_and_names_each_rejected_item(make_point, make_device):
    make_point("GAS1")
    _device, token = make_device("GW1", points=["GAS1"])
    body = [
        {"point": "GAS1", "ts": iso(30), "value": 1.0},
        {"point": "GAS1", "ts": iso(20), "value": "high"},
        {"point": "NOPE", "ts": iso(20), "value": 1},
        {"point": "GAS1", "ts": int((dt.datetime.now(dt.UTC).timestamp() - 10) * 1000), "value": 2, "quality": "good"},
        {"point": "GAS1", "ts": "2099-01-01T00:00:00+00:00", "value": 3},
    ]
    response = post_json(device_client(token), "/api/v1/readings/", body)
    assert response.status_code == 202, response.content
    data = response.json()
    assert data["accepted"] == 2
    assert [r["index"] for r in data["rejected"]] == [1, 2, 4]
    assert "number" in data["rejected"][0]["error"]
    assert "NOPE" in data["rejected"][1]["error"]
    assert "future" in data["rejected"][2]["error"]
    assert Reading.objects.count() == 2
    letter = DeadLetter.objects.get(source="http")  # one per request, naming each item at fault
    assert letter.items == 3 and letter.reason.startswith("[1] ") and "[4] " in letter.reason
    again = post_json(device_client(token), "/api/v1/readings/", body[:1])
    assert again.status_code == 202 and Reading.objects.count() == 2  # idempotent on point + ts


def test_a_device_may_post_only_its_own_points_and_the_rest_is_a_dead_letter_with_the_reason(make_point,
                                                                                            make_device):
    mine, theirs = make_point("GAS1"), make_point("GAS2")
    _gw1, token = make_device("GW1", points=["GAS1"])
    make_device("GW2", points=["GAS2"])
    body = [{"point": "GAS2", "ts": iso(5), "value": 99.0}, {"point": "GAS1", "ts": iso(5), "value": 1.0}]
    response = post_json(device_client(token), "/api/v1/readings/", body)
    assert response.status_code == 202, response.content
    assert response.json()["accepted"] == 1
    assert response.json()["rejected"][0]["index"] == 0
    assert "not bound to device" in response.json()["rejected"][0]["error"]
    assert not Reading.objects.filter(point=theirs).exists()
    assert Reading.objects.filter(point=mine).count() == 1
    letter = DeadLetter.objects.get(source="http")
    assert "GAS2" in letter.reason and "not bound to device" in letter.reason and "GW1" in letter.reason


@pytest.mark.parametrize("body", [b"{not json", b'[{"point": "GAS1", "ts": 1, "value": NaN}]', {"point": "GAS1"},
                                  [{"point": "GAS1", "ts": 1, "value": 1}] * 1001, "text"])
def test_readings_post_malformed_is_a_400_with_a_message(make_point, make_device, body):
    make_point("GAS1")
    _device, token = make_device("GW1", points=["GAS1"])
    response = post_json(device_client(token), "/api/v1/readings/", body)
    assert response.status_code == 400
    assert response.json()["detail"]


def test_readings_post_only_with_a_valid_device_token_never_a_user(make_point, make_device, make_user, duty_officer,
                                                                   iot_admin):
    from core.roles import INGEST

    make_point("GAS1")
    device, token = make_device("GW1", points=["GAS1"])
    body = [{"point": "GAS1", "ts": iso(1), "value": 1}]
    assert post_json(client_for(), "/api/v1/readings/", body).status_code == 401
    assert post_json(device_client("dvt_wrong"), "/api/v1/readings/", body).status_code == 401
    assert post_json(device_client(token + "x"), "/api/v1/readings/", body).status_code == 401
    # Users, whatever their role or however they sign in, are not devices.
    for user in (duty_officer, make_user("gateway_t", INGEST), iot_admin):
        assert post_json(client_for(user), "/api/v1/readings/", body).status_code in (401, 403)
        assert post_json(client_for(user, token=True), "/api/v1/readings/", body).status_code == 401
    # A revoked device's token is void.
    device.revoked_at = dt.datetime.now(dt.UTC)
    device.save()
    assert post_json(device_client(token), "/api/v1/readings/", body).status_code == 401
    assert Reading.objects.count() == 0


def test_a_device_token_reads_nothing(make_point, make_device):
    point = make_point("GAS1")
    _device, token = make_device("GW1", points=["GAS1"])
    client = device_client(token)
    for url in ("/api/v1/monitoring-points/", f"/api/v1/monitoring-points/{point.pk}/", "/api/v1/alarms/",
                "/api/v1/incidents/", "/api/v1/layers/monitoring-points/", "/api/v1/devices/"):
        assert client.get(url).status_code in (401, 403), url


# --- points and readings -----------------------------------------------------------------

def test_points_list_and_detail_in_the_contract_shape(make_point, viewer):
    point = make_point("GAS1")
    raise_alarm()
    data = client_for(viewer).get("/api/v1/monitoring-points/?state=h").json()
    [item] = data["results"]
    assert set(item) >= {"id", "code", "name", "kind", "unit", "risk_source", "location", "range", "limits",
                         "deadband", "delay_s", "interval_s", "state", "last"}
    assert item["limits"] == {"ll": None, "l": None, "h": 20.0, "hh": 40.0}
    assert item["range"] == {"min": 0.0, "max": 100.0}
    assert item["state"] == "h" and item["last"]["value"] == 25
    detail = client_for(viewer).get(f"/api/v1/monitoring-points/{point.pk}/").json()
    assert detail["code"] == "GAS1"
    assert client_for(viewer).get("/api/v1/monitoring-points/?state=bogus").status_code == 400
    assert client_for(viewer).get("/api/v1/monitoring-points/99999/").status_code == 404


def test_readings_raw_and_in_buckets(make_point, viewer):
    point = make_point("GAS1")
    base = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) - dt.timedelta(minutes=10)
    store.readings_store(readings=[RawReading("GAS1", base + dt.timedelta(seconds=10 * i), float(i), True)
                                      for i in range(12)])
    client = client_for(viewer)
    url = f"/api/v1/monitoring-points/{point.pk}/readings/"
    raw = client.get(url).json()
    assert [r["value"] for r in raw] == [float(i) for i in range(12)]
    frm = base.isoformat().replace("+00:00", "Z")
    buckets = client.get(url, {"from": frm, "step": 60}).json()
    assert [(b["min"], b["max"], b["avg"]) for b in buckets] == [(0, 5, 2.5), (6, 11, 8.5)]
    assert client.get(url, {"step": "x"}).status_code == 400
    assert client.get(url, {"from": "yesterday"}).status_code == 400
    assert client.get(url, {"from": "2026-01-01T00:00:00"}).status_code == 400  # no offset
    assert client.get(url, {"from": iso(0), "to": iso(60)}).status_code == 400


# --- alarms ------------------------------------------------------------------------------

def test_alarm_list_filters_and_acknowledge(make_point, duty_officer, viewer):
    make_point("GAS1")
    make_point("GAS2")
    alarm = raise_alarm("GAS1")
    raise_alarm("GAS2", value=50)
    client = client_for(viewer)
    assert len(client.get("/api/v1/alarms/").json()["results"]) == 2
    [only] = client.get("/api/v1/alarms/", {"level": "hh"}).json()["results"]
    assert only["point_code"] == "GAS2"
    assert client.get("/api/v1/alarms/", {"point": alarm.point_id}).json()["results"][0]["id"] == alarm.pk
    assert client.get("/api/v1/alarms/", {"state": "nonsense"}).status_code == 400
    # Viewers may look, not act.
    assert post_json(client, f"/api/v1/alarms/{alarm.pk}/acknowledge/", {"note": "x"}).status_code == 403
    duty = client_for(duty_officer)
    response = post_json(duty, f"/api/v1/alarms/{alarm.pk}/acknowledge/", {"note": "现场确认"})
    assert response.status_code == 200
    assert response.json()["state"] == "acknowledged" and response.json()["acknowledged_by"] == "duty_t"
    assert post_json(duty, f"/api/v1/alarms/{alarm.pk}/acknowledge/", {}).status_code == 409
    assert post_json(duty, f"/api/v1/alarms/{alarm.pk}/acknowledge/", {"notes": "typo"}).status_code == 400
    assert post_json(duty, "/api/v1/alarms/99999/acknowledge/", {}).status_code == 404
    detail = client.get(f"/api/v1/alarms/{alarm.pk}/").json()
    assert [h["kind"] for h in detail["history"]] == ["raised", "acknowledged"]
    assert client.get("/api/v1/alarms/", {"state": "acknowledged"}).json()["results"][0]["id"] == alarm.pk


def test_alarm_to_incident_201_then_409(demo, duty_officer, viewer):
    alarm = raise_alarm("RS04-AT1", value=100)
    url = f"/api/v1/alarms/{alarm.pk}/incident/"
    assert post_json(client_for(viewer), url, {}).status_code == 403
    duty = client_for(duty_officer)
    assert post_json(duty, url, {"type": "fire"}).status_code == 400  # this action takes no input
    response = duty.post(url)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["type"] == "hazmat-leak" and body["number"] and body["alarm"] == alarm.pk
    assert body["chemical"] == "7664-41-7"  # ammonia, the source's own chemical, never a default
    assert "chemical=7664-41-7" in body["release_url"] and f"incident={body['id']}" in body["release_url"]
    alarm.refresh_from_db()
    assert alarm.incident_id == body["id"]
    again = duty.post(url)
    assert again.status_code == 409 and again.json()["incident"] == body["id"]
    assert client_for(viewer).get(f"/api/v1/alarms/{alarm.pk}/").json()["incident"] == body["id"]


def test_monitoring_points_layer(make_point, viewer, outsider):
    make_point("GAS1")
    raise_alarm()
    response = client_for(viewer).get("/api/v1/layers/monitoring-points/", {"bbox": "113,22,114,23"})
    assert response.status_code == 200 and response["Content-Type"] == "application/geo+json"
    [feature] = response.json()["features"]
    assert feature["properties"]["state"] == "h" and feature["geometry"]["type"] == "Point"
    assert client_for(viewer).get("/api/v1/layers/monitoring-points/", {"bbox": "0,0,1,1"}).json()["features"] == []
    assert client_for(viewer).get("/api/v1/layers/monitoring-points/", {"bbox": "1,2"}).status_code == 400
    assert client_for(viewer).get("/api/v1/layers/monitoring-points/", {"state": "red"}).status_code == 400
    assert client_for(outsider).get("/api/v1/layers/monitoring-points/").status_code == 403
