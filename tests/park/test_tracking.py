"""Vehicle positions and the vehicle rules (issue 24.6, 24.9, 24.11), with real PostGIS."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.models import Event
from park.models import VehicleAlarm, VehiclePosition
from park.parsing import Position
from park.services import tracking
from tests.park.conftest import api, booking, iso

pytestmark = pytest.mark.django_db

PLATE = "粤A12345"


@pytest.fixture
def approved(park):
    answer = api(park.officer).post("/api/v1/hazmat-appointments/", booking(park), format="json").json()
    assert answer["state"] == "approved"
    tracking.reference_forget()
    return answer


def along(route, fraction):
    (x0, y0), (x1, y1) = route["coordinates"][0], route["coordinates"][-1]
    return x0 + (x1 - x0) * fraction, y0 + (y1 - y0) * fraction


def store(*positions):
    return tracking.vehicle_positions_store(positions=list(enumerate(positions)))


def pos(lon, lat, seconds_ago, speed=None, plate=PLATE):
    return Position(plate=plate, ts=timezone.now() - dt.timedelta(seconds=seconds_ago), lon=lon, lat=lat,
                    speed_kmh=speed)


def test_bad_positions_are_refused_with_what_to_fix(park, approved):
    lon, lat = along(approved["route"], 0.2)
    first = pos(lon, lat, 60, 20)
    accepted, refused = store(first, pos(lon, lat, 50, 20, plate="粤Z00000"),
                              pos(13.0, 52.0, 40, 20), pos(lon + 0.05, lat, 30, 20))
    assert accepted == 1
    reasons = dict(refused)
    assert "Unknown plate" in reasons[1] and "outside the district" in reasons[2] and "jump" in reasons[3]
    assert VehiclePosition.objects.count() == 1
    # The same position again: accepted, stored once.
    assert store(first)[0] == 1
    assert VehiclePosition.objects.count() == 1


def test_off_route_raises_and_back_on_route_clears_a_vehicle_alarm(park, approved):
    lon, lat = along(approved["route"], 0.3)
    store(pos(lon, lat, 300, 20))
    assert not VehicleAlarm.objects.exists()
    store(pos(lon, lat + 0.006, 240, 20))  # about 650 m north of the line
    alarm = VehicleAlarm.objects.get()
    assert alarm.kind == "off_route" and alarm.state == "active" and alarm.enterprise_id == park.e1.pk
    event = Event.objects.filter(type="vehicle.alarm").latest("seq")
    assert event.payload["kind"] == "off_route" and event.payload["plate"] == PLATE
    listed = api(park.duty).get("/api/v1/vehicle-alarms/").json()["results"]
    assert listed[0]["plate"] == PLATE and listed[0]["kind"] == "off_route" and listed[0]["location"]["type"] == "Point"
    assert {"id", "plate", "kind", "state", "raised_at", "location"} <= set(listed[0])
    lon2, lat2 = along(approved["route"], 0.5)
    store(pos(lon2, lat2, 180, 20))
    alarm.refresh_from_db()
    assert alarm.state == "cleared" and alarm.cleared_at is not None
    assert api(park.officer).get("/api/v1/vehicle-alarms/").json()["count"] == 1
    assert api(park.officer2).get("/api/v1/vehicle-alarms/").json()["count"] == 0


def test_speeding_over_the_limit_where_no_road_says_otherwise(park, approved, settings):
    lon, lat = along(approved["route"], 0.3)
    store(pos(lon, lat, 300, settings.PARK_SPEED_LIMIT_KMH + 20))
    assert VehicleAlarm.objects.get().kind == "speeding"


def test_stopped_over_ten_minutes_outside_a_lot_rings_but_not_in_the_lot(park, approved):
    lon, lat = along(approved["route"], 0.3)
    store(pos(lon, lat, 1300, 0))
    store(pos(lon, lat, 900, 0))
    assert not VehicleAlarm.objects.exists()
    store(pos(lon, lat, 100, 0))  # 20 minutes standing
    assert VehicleAlarm.objects.get().kind == "stopped"
    store(pos(lon + 0.0005, lat, 60, 25))  # moving again
    assert VehicleAlarm.objects.get().state == "cleared"
    # In the hazmat lot, standing is parking.
    from devices.models import Device

    Device.objects.create(code="VT-2", kind="vehicle_terminal", subject="粤A22222", mqtt_username="dev-VT-2")
    tracking.reference_forget()
    for seconds in (1300, 900, 100):
        store(pos(113.652, 22.638, seconds, 0, plate="粤A22222"))
    assert not VehicleAlarm.objects.filter(plate="粤A22222").exists()


def test_positions_over_http_from_the_vehicles_own_terminal(park, approved, make_device, make_user):
    from core import roles

    _device, token = make_device("VT-1", kind="vehicle_terminal", subject=PLATE)
    tracking.reference_forget()
    lon, lat = along(approved["route"], 0.4)
    body = [{"subject": f"vehicle:{PLATE}", "ts": iso(timezone.now() - dt.timedelta(seconds=20)), "lon": lon,
             "lat": lat, "speed_kmh": 20},
            {"subject": "vehicle:粤B99999", "ts": iso(timezone.now() - dt.timedelta(seconds=20)), "lon": lon,
             "lat": lat}]
    answer = api(token=token).post("/api/v1/positions/", body, format="json")
    assert answer.status_code == 202, answer.content
    data = answer.json()
    assert data["accepted"] == 1 and [r["index"] for r in data["rejected"]] == [1]
    assert "own vehicle" in data["rejected"][0]["error"]
    # A person without the ingest role reports no vehicle; a feed with it may.
    refused = api(park.duty).post("/api/v1/positions/", body[:1], format="json").json()
    assert refused["accepted"] == 0
    feed = make_user("beidou-feed", roles.INGEST)
    later = [{**body[0], "ts": iso(timezone.now() - dt.timedelta(seconds=5))}]
    assert api(feed).post("/api/v1/positions/", later, format="json").json()["accepted"] == 1
    assert VehiclePosition.objects.filter(plate=PLATE).count() == 2


def test_the_track_replays_for_the_park_and_the_vehicles_own_enterprise_only(park, approved):
    for n in range(4):
        lon, lat = along(approved["route"], 0.1 * (n + 1))
        store(pos(lon, lat, 400 - n * 60, 20))
    track = api(park.duty).get(f"/api/v1/park/vehicles/{PLATE}/track/").json()
    assert track["features"][0]["geometry"]["type"] == "LineString"
    assert len(track["features"][0]["geometry"]["coordinates"]) == 4 and len(track["features"]) == 5
    assert api(park.officer).get(f"/api/v1/park/vehicles/{PLATE}/track/").status_code == 200
    assert api(park.officer2).get(f"/api/v1/park/vehicles/{PLATE}/track/").status_code == 404
    assert api(park.responder).get(f"/api/v1/park/vehicles/{PLATE}/track/").status_code == 403
    assert api(park.duty).get(f"/api/v1/park/vehicles/{PLATE}/track/?from=yesterday").status_code == 400
    layer = api(park.duty).get("/api/v1/layers/vehicles/").json()
    assert [f["properties"]["plate"] for f in layer["features"]] == [PLATE]


def test_positions_are_kept_only_for_the_retention_period(park, approved, settings):
    lon, lat = along(approved["route"], 0.2)
    store(pos(lon, lat, 60, 20))
    VehiclePosition.objects.update(ts=timezone.now() - dt.timedelta(days=settings.PARK_POSITION_RETENTION_DAYS + 1))
    store(pos(lon, lat, 30, 20))
    assert tracking.positions_purge() == 1
    assert VehiclePosition.objects.count() == 1
    assert settings.PARK_POSITION_RETENTION_DAYS == 30
