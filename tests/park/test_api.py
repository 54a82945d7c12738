"""Closed park management over HTTP (API.md "Gates, people and vehicles"), with real PostGIS."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.models import Event
from monitoring.models import DeadLetter
from park.models import GateAlarm, HazmatAppointment, Passage, Stay
from tests.park.conftest import api, booking, iso, passage

pytestmark = pytest.mark.django_db


def post_events(park, gate, items):
    return api(token=park.tokens[gate]).post("/api/v1/gate-events/", items, format="json")


def test_zones_and_gates_as_the_contract_says(park):
    zones = api(park.duty).get("/api/v1/park-zones/").json()["results"]
    assert {z["code"] for z in zones} == {"PUB", "S1", "S2", "LOT"}
    s1 = next(z for z in zones if z["code"] == "S1")
    assert {"id", "code", "name", "kind", "area", "enterprise"} <= set(s1)
    assert s1["kind"] == "enterprise" and s1["enterprise"] == park.e1.pk and s1["area"]["type"] == "Polygon"
    gates = api(park.officer).get("/api/v1/gates/").json()["results"]
    g1 = next(g for g in gates if g["code"] == "G1")
    assert g1 == {"id": park.g1.pk, "code": "G1", "name": "一号厂门", "kind": "vehicle",
                  "location": {"type": "Point", "coordinates": [113.662, 22.6505]},
                  "zone_inside": "S1", "zone_outside": "PUB"}
    assert api(park.responder).get("/api/v1/gates/").status_code == 403
    assert api().get("/api/v1/park-zones/").status_code in (401, 403)


def test_passages_are_stored_once_and_move_people_between_zones(park):
    at = timezone.now() - dt.timedelta(minutes=5)
    answer = post_events(park, "GP", [passage("GP", at=at, person="card-1"), passage("GP", at=at, person="card-2")])
    assert answer.status_code == 202 and answer.json() == {"accepted": 2, "rejected": []}
    again = post_events(park, "GP", [passage("GP", at=at, person="card-1")])
    assert again.status_code == 202 and again.json()["accepted"] == 1
    assert Passage.objects.count() == 2  # the same passage twice is stored once
    post_events(park, "GP1", [passage("GP1", at=at + dt.timedelta(minutes=1), person="card-1")])
    presence = api(park.duty).get("/api/v1/park/presence/").json()
    zones = {z["zone"]: z for z in presence["zones"]}
    assert zones["PUB"]["people"] == 1 and zones["S1"]["people"] == 1
    assert presence["park"] == {"people": 2, "vehicles": 0, "hazmat_vehicles": 0}
    # Out of the site, then out of the park.
    post_events(park, "GP1", [passage("GP1", "out", at=at + dt.timedelta(minutes=2), person="card-1")])
    post_events(park, "GP", [passage("GP", "out", at=at + dt.timedelta(minutes=3), person="card-1")])
    presence = api(park.duty).get("/api/v1/park/presence/").json()
    assert presence["park"]["people"] == 1
    assert {z["zone"]: z["people"] for z in presence["zones"]}["S1"] == 0


def test_vehicles_and_hazmat_vehicles_are_counted(park):
    at = timezone.now() - dt.timedelta(minutes=5)
    post_events(park, "GM", [passage("GM", at=at, plate="粤B11111", vehicle_class="car"),
                             passage("GM", at=at, plate="粤B22222", vehicle_class="hazmat")])
    park_counts = api(park.supervisor).get("/api/v1/park/presence/").json()["park"]
    assert park_counts == {"people": 0, "vehicles": 2, "hazmat_vehicles": 1}


@pytest.mark.parametrize("item, error", [
    ({"direction": "in", "at": "now", "person": "c"}, "at"),
    ({"direction": "sideways", "person": "c"}, "direction"),
    ({"direction": "in", "person": "c" * 65}, "person"),
    ({"direction": "in", "plate": "粤A1", "person": "c"}, "not both"),
    ({"direction": "in", "person": "c", "colour": "red"}, "Unknown field"),
    ({"direction": "in", "person": "c", "future": True}, "future"),
    ({"gate": "GM", "direction": "in", "person": "c"}, "not device"),
    ({"direction": "in", "plate": "粤A1", "vehicle_class": "tank"}, "vehicle_class"),
])
def test_bad_passages_are_refused_one_by_one_and_dead_lettered(park, item, error):
    body = {"gate": "GP", "at": iso(timezone.now() - dt.timedelta(seconds=3)), **item}
    if body.pop("future", False):
        body["at"] = iso(timezone.now() + dt.timedelta(minutes=5))
    good = passage("GP", person="ok-1")
    answer = post_events(park, "GP", [good, body])
    assert answer.status_code == 202
    data = answer.json()
    assert data["accepted"] == 1 and len(data["rejected"]) == 1 and data["rejected"][0]["index"] == 1
    key = "future" if error == "future" else error
    assert key.lower() in data["rejected"][0]["error"].lower()
    assert Passage.objects.count() == 1
    assert DeadLetter.objects.filter(source="http", reason__contains="[1]").exists()


def test_gate_events_need_a_device_token_and_a_list(park, make_user):
    assert api(park.duty).post("/api/v1/gate-events/", [passage("GP", person="x")], format="json").status_code in (
        401, 403)
    assert api(token="dvt_nonsense").post("/api/v1/gate-events/", [], format="json").status_code == 401
    assert post_events(park, "GP", {"gate": "GP"}).status_code == 400
    assert post_events(park, "GP", []).status_code == 400
    # Unstorable text anywhere in the body: the whole request is a 400 naming it (core.api_base).
    nul = post_events(park, "GP", [passage("GP", person="ok"), passage("GP", person="c\u0000x")])
    assert nul.status_code == 400 and "U+0000" in nul.content.decode()
    assert Passage.objects.count() == 0


def test_an_enterprise_sees_its_own_staff_counts_only(park):
    at = timezone.now() - dt.timedelta(minutes=5)
    post_events(park, "GP", [passage("GP", at=at, person="p1")])
    post_events(park, "GP1", [passage("GP1", at=at + dt.timedelta(seconds=30), person="p1")])
    mine = api(park.officer).get("/api/v1/park/presence/").json()
    assert [z["zone"] for z in mine["zones"]] == ["S1"] and mine["park"]["people"] == 1
    theirs = api(park.officer2).get("/api/v1/park/presence/").json()
    assert [z["zone"] for z in theirs["zones"]] == ["S2"] and theirs["park"]["people"] == 0


def test_an_operator_corrects_a_count_and_the_nightly_count_starts_afresh(park):
    from park import services

    at = timezone.now() - dt.timedelta(minutes=5)
    post_events(park, "GP", [passage("GP", at=at, person="p1"), passage("GP", at=at, person="p2")])
    assert api(park.officer).post("/api/v1/park/presence/corrections/", {"zone": "PUB", "people": 0},
                                  format="json").status_code == 403
    fixed = api(park.supervisor).post("/api/v1/park/presence/corrections/", {"zone": "PUB", "people": 5},
                                      format="json")
    assert fixed.status_code == 200 and fixed.json()["people"] == 5
    assert api(park.supervisor).post("/api/v1/park/presence/corrections/", {"zone": "NOPE", "people": 1},
                                     format="json").status_code == 400
    assert api(park.supervisor).post("/api/v1/park/presence/corrections/", {"zone": "PUB", "people": -1},
                                     format="json").status_code == 400
    Stay.objects.filter(subject="p1").update(since=timezone.now() - dt.timedelta(hours=30))  # a missed exit
    result = services.nightly_count()
    assert result["ended_stays"] == 1
    zones = {z["zone"]: z for z in api(park.duty).get("/api/v1/park/presence/").json()["zones"]}
    assert zones["PUB"]["people"] == 1


def test_an_appointment_is_approved_with_a_route_or_refused_with_a_reason(park):
    made = api(park.officer).post("/api/v1/hazmat-appointments/", booking(park), format="json")
    assert made.status_code == 201, made.content
    data = made.json()
    assert data["state"] == "approved" and data["route"]["type"] == "LineString" and data["route_length_m"] > 100
    assert data["route_basis"] in ("road", "straight_line") and data["lot"] == "LOT"
    today = timezone.localdate()
    expired = api(park.officer).post("/api/v1/hazmat-appointments/", booking(
        park, plate="粤A99999", driver_licence_valid_to=str(today - dt.timedelta(days=1))), format="json").json()
    assert expired["state"] == "refused" and "driver" in expired["reason"] and expired["route"] is None
    full = api(park.supervisor).post("/api/v1/hazmat-appointments/", booking(park, plate="粤A77777"),
                                     format="json").json()
    assert full["state"] == "refused" and "full" in full["reason"]  # the lot has one place, taken
    long = api(park.supervisor).post("/api/v1/hazmat-appointments/", booking(
        park, plate="粤A66666", window_to=iso(timezone.now() + dt.timedelta(hours=30))), format="json").json()
    assert long["state"] == "refused" and "24" in long["reason"]


def test_an_officer_books_only_for_their_own_enterprise_and_sees_only_its_appointments(park):
    other = api(park.officer).post("/api/v1/hazmat-appointments/", booking(park, destination=park.e2.pk), format="json")
    assert other.status_code == 403
    assert api(park.duty).post("/api/v1/hazmat-appointments/", booking(park), format="json").status_code == 403
    api(park.officer2).post("/api/v1/hazmat-appointments/", booking(park, destination=park.e2.pk), format="json")
    assert api(park.officer).get("/api/v1/hazmat-appointments/").json()["count"] == 0
    assert api(park.officer2).get("/api/v1/hazmat-appointments/").json()["count"] == 1
    assert api(park.duty).get("/api/v1/hazmat-appointments/").json()["count"] == 1


@pytest.mark.parametrize("change, field", [
    ({"window_to": "2020-01-01T00:00:00+08:00"}, "window_to"),
    ({"un_number": "12"}, "un_number"),
    ({"gate": "G1"}, "gate"),
    ({"gate": "NOPE"}, "gate"),
    ({"driver": "张\u0000三"}, "driver"),
    ({"quantity_t": -1}, "quantity_t"),
    ({"destination": 999999}, "destination"),
    ({"colour": "red"}, "colour"),
])
def test_bad_bookings_are_400s_that_say_what_to_fix(park, change, field):
    answer = api(park.supervisor).post("/api/v1/hazmat-appointments/", booking(park, **change), format="json")
    assert answer.status_code == 400
    assert field in answer.content.decode() or field in str(answer.json())
    assert HazmatAppointment.objects.count() == 0


def test_a_hazmat_vehicle_without_an_appointment_rings_a_gate_alarm(park):
    at = timezone.now() - dt.timedelta(minutes=1)
    post_events(park, "GM", [passage("GM", at=at, plate="粤C00001", vehicle_class="hazmat")])
    alarm = GateAlarm.objects.get()
    assert alarm.kind == "no_appointment" and alarm.state == "active"
    event = Event.objects.filter(type="gate.alarm").latest("seq")
    assert event.payload["plate"] == "粤C00001" and "console" in event.audiences
    listed = api(park.duty).get("/api/v1/gate-alarms/").json()["results"]
    assert listed[0]["plate"] == "粤C00001" and listed[0]["gate"] == "GM" and listed[0]["kind"] == "no_appointment"
    # An ordinary car is no alarm; an internal gate is no park entrance.
    post_events(park, "GM", [passage("GM", at=at, plate="粤C00002", vehicle_class="car")])
    post_events(park, "G1", [passage("G1", at=at + dt.timedelta(seconds=5), plate="粤C00001", vehicle_class="hazmat")])
    assert GateAlarm.objects.count() == 1
    acked = api(park.supervisor).post(f"/api/v1/gate-alarms/{alarm.pk}/acknowledge/", {"note": "拦下"}, format="json")
    assert acked.status_code == 200 and acked.json()["state"] == "acknowledged"
    assert api(park.supervisor).post(f"/api/v1/gate-alarms/{alarm.pk}/acknowledge/", {},
                                     format="json").status_code == 409


def test_an_approved_vehicle_passes_and_a_wrong_window_or_gate_rings(park):
    from park.models import Gate

    appointment = api(park.officer).post("/api/v1/hazmat-appointments/", booking(park), format="json").json()
    at = timezone.now() - dt.timedelta(minutes=1)
    post_events(park, "GM", [passage("GM", at=at, plate="粤A12345", vehicle_class="hazmat")])
    assert GateAlarm.objects.count() == 0
    stay = Stay.objects.get(subject="粤A12345")
    assert stay.appointment_id == appointment["id"] and stay.hazmat
    # Out, and back in after the window... the window still holds now; one before it:
    early = timezone.now() - dt.timedelta(hours=2)
    post_events(park, "GM", [passage("GM", at=early, plate="粤A12345", vehicle_class="hazmat")])
    assert GateAlarm.objects.get().kind == "outside_window"
    Gate.objects.create(code="GM2", name="2号卡口", kind="vehicle", location=park.main.location, zone_inside=park.public)
    from devices.models import Device

    Device.objects.filter(code="CAM-GM").update(subject="GM2")
    post_events(park, "GM", [passage("GM2", at=at, plate="粤A12345", vehicle_class="hazmat")])
    assert GateAlarm.objects.filter(kind="wrong_gate").count() == 1
    # The officer of the destination sees these alarms; the other enterprise does not.
    assert api(park.officer).get("/api/v1/gate-alarms/").json()["count"] == 2  # outside window, wrong gate
    assert api(park.officer2).get("/api/v1/gate-alarms/").json()["count"] == 0


def test_a_lot_shows_its_vehicles_and_chemicals(park):
    api(park.officer).post("/api/v1/hazmat-appointments/", booking(park), format="json")
    at = timezone.now() - dt.timedelta(minutes=2)
    post_events(park, "GM", [passage("GM", at=at, plate="粤A12345", vehicle_class="hazmat")])
    post_events(park, "GL", [passage("GL", at=at + dt.timedelta(seconds=30), plate="粤A12345", vehicle_class="hazmat")])
    lots = api(park.supervisor).get("/api/v1/park/lots/").json()
    assert lots == [{"zone": "LOT", "name": "危化品停车场", "hazmat_lot": True, "capacity": 1, "occupied": 1,
                     "hazmat_vehicles": 1, "booked_now": 1, "chemicals": [{"un_number": "1005", "quantity_t": 20.0}]}]
    assert api(park.officer).get("/api/v1/park/lots/").status_code == 403


def test_layers_gates_and_presence(park):
    at = timezone.now() - dt.timedelta(minutes=1)
    post_events(park, "GP", [passage("GP", at=at, person="p1")])
    gates = api(park.duty).get("/api/v1/layers/gates/").json()
    assert {f["properties"]["code"] for f in gates["features"]} == {"GM", "GP", "G1", "GP1", "GL"}
    presence = api(park.duty).get("/api/v1/layers/park-presence/").json()
    pub = next(f for f in presence["features"] if f["properties"]["code"] == "PUB")
    assert pub["properties"]["people"] == 1 and pub["id"] == park.public.pk
    for name in ("gates", "park-presence", "vehicles"):
        assert api(park.officer).get(f"/api/v1/layers/{name}/").status_code == 403
        assert api(park.responder).get(f"/api/v1/layers/{name}/").status_code == 403
    assert api(park.duty).get("/api/v1/layers/gates/?kind=boat").status_code == 400
