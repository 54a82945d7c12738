"""Live weather (issue 27): the park's weather mast is a set of monitoring points; the release model
takes its latest wind (and sky) by default, says which mast and when, and refuses a mast silent for
more than 10 minutes instead of using it quietly."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from core import roles
from hazards.models import RiskSource
from monitoring import weather
from monitoring.parsing import RawReading
from monitoring.store import readings_store

CHLORINE = "7782-50-5"


def mast_reads(at, **values):
    codes = {"ws": "WX01-WS", "wd": "WX01-WD", "ta": "WX01-TA", "sr": "WX01-SR", "cl": "WX01-CL"}
    readings_store(readings=[RawReading(point=codes[k], ts=at, value=v, good=True) for k, v in values.items()])


@pytest.fixture
def console(demo, make_user):
    client = APIClient()
    client.force_authenticate(make_user("duty_w", roles.DUTY_OFFICER))
    return client


def release(client, **extra):
    body = {"chemical": CHLORINE, "risk_source": RiskSource.objects.get(code="RS01").pk, "rate_kg_s": 2,
            "duration_s": 600, **extra}
    return client.post("/api/v1/releases/", body, format="json")


def test_mast_gives_wind_and_stability_class(demo):
    now = timezone.now()
    assert weather.latest()["stale"] is True  # the demo mast has not reported yet
    mast_reads(now - dt.timedelta(seconds=30), ws=4.2, wd=120, ta=21.5, sr=700, cl=3)
    mast = weather.latest(near=(113.66, 22.65))
    assert (mast["mast"], mast["wind_speed_ms"], mast["wind_from_deg"], mast["stale"]) == ("WX01", 4.2, 120, False)
    # 700 W/m² by day is moderate sun (EPA-454/R-99-005); 4.2 m/s with moderate sun is B–C: C.
    assert (mast["daytime"], mast["insolation"], mast["stability"]) == (True, "moderate", "C")
    assert 25 <= mast["age_s"] <= 120
    # Night: no sun, 2 okta of cloud, light wind → F (docs/domain.md table).
    mast_reads(now, ws=1.5, wd=90, sr=0, cl=2)
    assert (weather.latest()["daytime"], weather.latest()["stability"]) == (False, "F")


def test_release_takes_the_latest_wind_and_says_from_where(console):
    at = timezone.now() - dt.timedelta(minutes=2)
    mast_reads(at, ws=5.5, wd=200, ta=18, sr=950, cl=1)
    answer = release(console)
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["wind_speed_ms"], body["wind_from_deg"], body["stability"]) == (5.5, 200, "C")
    source = body["wind_source"]
    assert (source["kind"], source["mast"], source["name"]) == ("mast", "WX01", "园区气象站 1#")
    assert dt.datetime.fromisoformat(source["at"]) == at
    assert 100 <= source["age_s"] <= 300
    # The zones point downwind: wind from 200° blows the plume towards 20° (north-north-east).
    ring = body["zones"][0]["geometry"]["coordinates"][0]
    rs = RiskSource.objects.get(code="RS01").location
    far = max(ring, key=lambda p: (p[0] - rs.x) ** 2 + (p[1] - rs.y) ** 2)
    assert far[1] > rs.y and far[0] > rs.x
    # The record keeps where its wind came from.
    assert console.get(f"/api/v1/releases/{body['id']}/").json()["wind_source"]["mast"] == "WX01"

    # A typed wind wins, and says so; a typed class wins over the mast's sky.
    typed = release(console, wind_speed_ms=3, wind_from_deg=90, stability="D").json()
    assert (typed["wind_speed_ms"], typed["stability"], typed["wind_source"]) == (3, "D", {"kind": "typed"})
    # Half a wind is a mistake, not a request for the mast's.
    half = release(console, wind_speed_ms=3)
    assert half.status_code == 400 and "both the wind speed and its direction" in half.json()["detail"]


def test_stale_mast_is_refused_by_name_and_time_and_nothing_is_written(console):
    from hazards.models import Release

    old = timezone.now() - dt.timedelta(minutes=11)
    mast_reads(old, ws=4, wd=100, sr=500, cl=4)
    answer = release(console)
    assert answer.status_code == 400
    detail = answer.json()["detail"]
    assert "WX01" in detail and timezone.localtime(old).strftime("%H:%M") in detail and "10 minutes" in detail
    assert Release.objects.count() == 0
    listing = console.get("/api/v1/weather/").json()
    assert listing[0]["mast"] == "WX01" and listing[0]["stale"] is True and listing[0]["age_s"] >= 660
    assert listing[0]["at"].endswith("+08:00")  # the district's local time
    # A typed wind still works while the mast is silent.
    assert release(console, wind_speed_ms=4, wind_from_deg=100, stability="D").status_code == 201


def test_no_mast_at_all_asks_for_the_wind(console):
    from monitoring.models import MonitoringPoint

    MonitoringPoint.objects.filter(code__startswith="WX01-").delete()
    answer = release(console)
    assert answer.status_code == 400 and "No weather mast" in answer.json()["detail"]
    assert console.get("/api/v1/weather/").json() == []


def test_weather_api_roles(demo, make_user):
    for role, status in ((roles.VIEWER, 200), (roles.SAFETY_SUPERVISOR, 200), (roles.RESPONDER, 403),
                         (roles.ENTERPRISE_OFFICER, 403)):
        client = APIClient()
        client.force_authenticate(make_user(f"w_{role}", role))
        assert client.get("/api/v1/weather/").status_code == status
    assert APIClient().get("/api/v1/weather/").status_code in (401, 403)


def test_demo_simulator_feeds_the_mast(demo):
    import time

    from monitoring import simulator

    mast = {p.code: p for p in simulator.sim_points() if p.code.startswith("WX01-")}
    assert set(mast) == {"WX01-WS", "WX01-WD", "WX01-TA", "WX01-SR", "WX01-CL"}
    noon = 4 * 3600 + 86400 * 20000  # 12:00 in Asia/Shanghai
    night = noon + 12 * 3600
    for now in (noon, night, time.time()):
        assert 0.5 <= simulator.normal_value(mast["WX01-WS"], now) <= 8
        assert 0 <= simulator.normal_value(mast["WX01-WD"], now) < 360
        assert 0 <= simulator.normal_value(mast["WX01-CL"], now) <= 8
    assert simulator.normal_value(mast["WX01-SR"], noon) > 300 and simulator.normal_value(mast["WX01-SR"], night) == 0
