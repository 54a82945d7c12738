"""POST /api/v1/positions/ for units (API.md "Gates, people and vehicles": Positions, Units):
who may report, bad input per item with what to fix, idempotency, the track and the unit's
latest position, the stream event, the retention purge."""

import datetime as dt

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core import roles
from core.models import Event
from resources import positions, services
from resources.models import Agency, Area, Resource, ResourcePosition, Responder

pytestmark = pytest.mark.django_db
URL = "/api/v1/positions/"


@pytest.fixture
def world(make_user):
    Area.objects.create(code="T1", name="测试镇", kind="town",
                        boundary=MultiPolygon(Polygon.from_bbox((113.5, 22.6, 113.8, 22.9)), srid=4326))
    agency = Agency.objects.create(code="F", name="消防")
    units = [Resource.objects.create(code=f"E{n}", name=f"消防车{n}", kind="fire_engine", agency=agency,
                                     capabilities=["fire"], location=Point(113.6, 22.75, srid=4326))
             for n in (1, 2)]
    crew = make_user("crew1", roles.RESPONDER)
    Responder.objects.create(user=crew, agency=agency, resource=units[0])
    return {"unit": units[0], "other": units[1], "crew": crew}


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _item(unit, *, seconds_ago=10, lon=113.61, lat=22.76, **extra):
    ts = timezone.now() - dt.timedelta(seconds=seconds_ago)
    return {"subject": f"resource:{unit.pk}", "ts": ts.isoformat(), "lon": lon, "lat": lat, **extra}


def test_a_responder_reports_their_units_position(world, dispatcher):
    unit = world["unit"]
    item = _item(unit, speed_kmh=42.5)
    response = _client(world["crew"]).post(URL, [item], format="json")
    assert response.status_code == 202, response.content
    assert response.json() == {"accepted": 1, "rejected": []}
    unit.refresh_from_db()
    assert (unit.position.x, unit.position.y) == (113.61, 22.76)
    assert unit.position_at == dt.datetime.fromisoformat(item["ts"])
    assert unit.location.x == 113.6  # its depot's place stays: the position is apart
    track = ResourcePosition.objects.get(resource=unit)
    assert track.speed_kmh == 42.5
    event = Event.objects.filter(type="resource.moved").latest("seq")
    assert event.payload["id"] == unit.pk and event.payload["location"]["coordinates"] == [113.61, 22.76]
    assert "console" in event.audiences
    # GET /api/v1/resources/{id}/ shows it (API.md "Units")
    detail = _client(dispatcher).get(f"/api/v1/resources/{unit.pk}/").json()
    assert detail["position"]["location"] == {"type": "Point", "coordinates": [113.61, 22.76]}
    assert dt.datetime.fromisoformat(detail["position"]["ts"]) == unit.position_at
    other = _client(dispatcher).get(f"/api/v1/resources/{world['other'].pk}/").json()
    assert other["position"] is None


def test_with_the_responders_token_too(world):
    token = Token.objects.create(user=world["crew"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.post(URL, [_item(world["unit"])], format="json").status_code == 202
    assert ResourcePosition.objects.count() == 1


def test_not_another_units_position_and_not_without_a_unit(world, dispatcher, outsider):
    response = _client(world["crew"]).post(URL, [_item(world["other"]), _item(world["unit"])], format="json")
    assert response.status_code == 202
    body = response.json()
    assert body["accepted"] == 1 and body["rejected"][0]["index"] == 0
    assert f"only your own unit's position (resource:{world['unit'].pk})" in body["rejected"][0]["error"]
    assert not ResourcePosition.objects.filter(resource=world["other"]).exists()
    for user in (dispatcher, outsider):
        response = _client(user).post(URL, [_item(world["other"])], format="json")
        assert response.status_code == 403 and "responder" in response.json()["detail"]
    assert APIClient().post(URL, [_item(world["unit"])], format="json").status_code in (401, 403)
    assert ResourcePosition.objects.count() == 1


@pytest.mark.parametrize(("change", "words"), [
    ({"lon": 114.5}, "outside the district"),
    ({"lon": 22.76, "lat": 113.61}, "lat must be a number"),
    ({"lat": "22.7"}, "lat must be a number"),
    ({"lon": True}, "lon must be a number"),
    ({"ts": "2026-12-06 08:00"}, "with its zone"),
    ({"ts": "yesterday"}, "ISO 8601"),
    ({"subject": "spaceship:7"}, "Unknown subject kind “spaceship”"),
    ({"subject": "resource"}, "\"<kind>:<id>\""),
    ({"subject": "resource:abc"}, "the unit's number"),
    ({"subject": "resource:987654"}, "No unit resource:987654"),
    ({"speed_kmh": -5}, "speed_kmh must be a number"),
    ({"heading": 90}, "Unknown field(s): heading"),
])
def test_bad_items_are_rejected_one_by_one_saying_what_to_fix(world, change, words):
    good = _item(world["unit"], seconds_ago=20)
    bad = {**_item(world["unit"], seconds_ago=5), **change}
    response = _client(world["crew"]).post(URL, [good, bad], format="json")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["accepted"] == 1 and [r["index"] for r in body["rejected"]] == [1]
    assert words in body["rejected"][0]["error"], body
    assert ResourcePosition.objects.count() == 1


def test_a_future_timestamp_and_a_too_old_one(world):
    future = _item(world["unit"], seconds_ago=-120)
    old = _item(world["unit"], seconds_ago=3 * 24 * 3600)
    body = _client(world["crew"]).post(URL, [future, old], format="json").json()
    assert body["accepted"] == 0
    assert "in the future" in body["rejected"][0]["error"] and "clock" in body["rejected"][0]["error"]
    assert "older than 24 hours" in body["rejected"][1]["error"]
    assert not ResourcePosition.objects.exists()
    world["unit"].refresh_from_db()
    assert world["unit"].position is None


def test_a_jump_faster_than_300_kmh_is_refused(world):
    client = _client(world["crew"])
    assert client.post(URL, [_item(world["unit"], seconds_ago=60)], format="json").json()["accepted"] == 1
    # 0.1° of latitude (≈ 11 km) in 30 s ≈ 1,330 km/h: a bad fix.
    jump = _item(world["unit"], seconds_ago=30, lat=22.86)
    body = client.post(URL, [jump], format="json").json()
    assert body["accepted"] == 0 and "faster than 300 km/h" in body["rejected"][0]["error"]
    # Driving on at 60 km/h: 500 m in 30 s is fine.
    drive = _item(world["unit"], seconds_ago=30, lat=22.7645)
    assert client.post(URL, [drive], format="json").json() == {"accepted": 1, "rejected": []}
    assert ResourcePosition.objects.count() == 2


def test_duplicates_the_same_fix_is_stored_once_a_different_one_refused(world):
    client = _client(world["crew"])
    item = _item(world["unit"])
    twice = client.post(URL, [item, item], format="json").json()
    assert twice["accepted"] == 1 and "Item 0 already reports" in twice["rejected"][0]["error"]
    again = client.post(URL, [item], format="json")  # a retry after a lost answer
    assert again.status_code == 202 and again.json() == {"accepted": 1, "rejected": []}
    assert ResourcePosition.objects.count() == 1
    assert Event.objects.filter(type="resource.moved").count() == 1  # the retry moved nothing
    moved = {**item, "lon": 113.612}
    body = client.post(URL, [moved], format="json").json()
    assert body["accepted"] == 0 and "already stored" in body["rejected"][0]["error"]
    assert ResourcePosition.objects.count() == 1


def test_an_older_position_joins_the_track_without_moving_the_unit_back(world):
    client = _client(world["crew"])
    client.post(URL, [_item(world["unit"], seconds_ago=10, lat=22.761)], format="json")
    client.post(URL, [_item(world["unit"], seconds_ago=40, lat=22.760)], format="json")
    world["unit"].refresh_from_db()
    assert world["unit"].position.y == 22.761
    assert ResourcePosition.objects.count() == 2


@pytest.mark.parametrize("body", [
    {"subject": "resource:1"}, "text", [], [1] * (positions.MAX_ITEMS + 1),
])
def test_a_request_that_is_no_array_of_positions_is_a_400(world, body):
    response = _client(world["crew"]).post(URL, body, format="json")
    assert response.status_code == 400 and response.json()["detail"]
    assert not ResourcePosition.objects.exists()


@pytest.mark.parametrize("raw", [
    b'[{"subject": "resource:1\\u0000", "ts": "2026-12-06T08:00:00Z", "lon": 113.6, "lat": 22.7}]',
    b'[{"subject": "resource:1\\ud800", "ts": "2026-12-06T08:00:00Z", "lon": 113.6, "lat": 22.7}]',
    b'[{"subject": "resource:1", "lon": NaN}]',
    b'[{"subject": ',
])
def test_nul_bytes_lone_surrogates_and_malformed_json_are_400s(world, raw):
    response = _client(world["crew"]).post(URL, raw, content_type="application/json")
    assert response.status_code == 400
    assert not ResourcePosition.objects.exists()


def test_tracks_are_purged_after_the_retention_setting(world, settings):
    assert settings.POSITION_RETENTION_DAYS == 30
    unit = world["unit"]
    now = timezone.now()
    for days in (40, 31, 29, 1):
        ResourcePosition.objects.create(resource=unit, ts=now - dt.timedelta(days=days),
                                        location=Point(113.6, 22.75, srid=4326))
    assert services.positions_purge() == 2
    assert ResourcePosition.objects.count() == 2
    settings.POSITION_RETENTION_DAYS = 7
    assert services.positions_purge() == 1


def test_a_registered_subject_kind_gets_its_items(world, outsider):
    seen = []

    def vehicles(reports, *, user, auth):
        seen.extend(reports)
        return [(r.index, "no such plate") for r in reports if r.ident == "粤X00000"]

    positions.register_subject("testvehicle", vehicles)
    try:
        items = [{**_item(world["unit"]), "subject": "testvehicle:粤A12345"},
                 {**_item(world["unit"]), "subject": "testvehicle:粤X00000"}]
        body = _client(outsider).post(URL, items, format="json").json()
        assert body == {"accepted": 1, "rejected": [{"index": 1, "error": "no such plate"}]}
        assert [r.ident for r in seen] == ["粤A12345", "粤X00000"] and seen[0].kind == "testvehicle"
        with pytest.raises(ValueError):
            positions.register_subject("testvehicle", lambda reports, **kw: [])
    finally:
        positions._handlers.pop("testvehicle")
