"""POST /api/v1/releases/: threat zones, who is inside them, where to go, and bad input."""

import pytest
from django.utils import timezone

from core import roles
from core.models import Event
from hazards import plume
from hazards.models import Release, ThreatZone
from tests.hazards.conftest import RELEASE


def post(client, **changes):
    body = {**RELEASE, **changes}
    for key in [k for k, v in changes.items() if v is None]:
        body.pop(key)
    return client.post("/api/v1/releases/", body, format="json")


def test_release_gives_three_zones_targets_and_shelters(district, commander, as_user):
    response = post(as_user(commander))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["stability"] == "D"
    assert [z["level"] for z in data["zones"]] == ["AEGL-3", "AEGL-2", "AEGL-1"]
    assert [z["threshold_ppm"] for z in data["zones"]] == [20, 2.0, 0.5]
    aegl3, aegl2, aegl1 = data["zones"]
    assert aegl3["distance_m"] < aegl2["distance_m"] < aegl1["distance_m"]
    # Same reach as the pure model (see test_plume for the hand check of that model).
    assert aegl3["distance_m"] == pytest.approx(plume.reach_m(
        20, rate_kg_s=1, wind_speed_ms=2, stability="D", molecular_weight=70.90)[0], abs=0.1)
    ring = aegl3["geometry"]["coordinates"][0]
    assert aegl3["geometry"]["type"] == "Polygon" and ring[0] == ring[-1] == [113.60, 22.70]

    # 300 m downwind is inside every zone; 3 km downwind only in the wider ones; upwind and
    # 2 km to the side in none. Lists are nearest first.
    assert [t["code"] for t in aegl3["targets"]] == ["T-NEAR"]
    assert aegl3["people"] == 900
    assert [t["code"] for t in aegl1["targets"]] == ["T-NEAR", "T-FAR"]
    assert aegl1["targets"][0]["distance_m"] == pytest.approx(300, abs=3)
    assert aegl1["people"] == 5900
    codes = {t["code"] for z in data["zones"] for t in z["targets"]}
    assert "T-UP" not in codes and "T-SIDE" not in codes

    # Shelters: the one in the plume, the full one and the closed one are left out.
    assert [s["code"] for s in data["shelters"]] == ["SH-UP"]
    assert data["shelters"][0]["free"] == 500

    # Chlorine is a dense gas: the limits say so, and the model's general assumptions.
    assert "dense_gas" in data["warnings"] and "model" in data["warnings"]
    assert any("dense gas" in line for line in data["limits"])

    # Stored, and pushed to every console in the same transaction.
    release = Release.objects.get()
    assert release.created_by == commander and release.zones.count() == 3
    events = list(Event.objects.filter(type="zone.created").order_by("seq"))
    assert [e.payload["level"] for e in events] == ["AEGL-3", "AEGL-2", "AEGL-1"]
    assert all(e.audiences == ["console"] for e in events)
    assert events[0].payload["release"] == release.pk
    assert events[0].payload["geometry"]["type"] == "Polygon"


def test_weather_instead_of_stability_and_amount_instead_of_rate(district, duty_officer, as_user):
    response = post(as_user(duty_officer), stability=None, rate_kg_s=None, amount_kg=600, duration_s=600,
                    daytime=False, cloud_okta=1, wind_speed_ms=1.5)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["stability"] == "F"  # night, clear sky, light wind
    assert data["rate_kg_s"] == 1.0


def test_erpg_used_when_aegl_is_missing(district, dispatcher, as_user):
    response = post(as_user(dispatcher), chemical="0000-00-0", rate_kg_s=5)
    assert response.status_code == 201, response.content
    assert [z["level"] for z in response.json()["zones"]] == ["ERPG-3", "ERPG-2", "ERPG-1"]


def test_release_linked_to_an_incident_uses_its_location(district, commander, as_user):
    from django.contrib.gis.geos import Point

    from incidents.models import Incident, IncidentType

    kind = IncidentType.objects.create(code="hazmat-leak", klass="accident", name_zh="危险化学品泄漏",
                                       name_en="Hazardous chemical leak")
    incident = Incident.objects.create(number="2026-000001", title="氯气泄漏", type=kind, severity="II",
                                       location=Point(113.61, 22.71, srid=4326), created_by=commander,
                                       reported_at=timezone.now())
    response = post(as_user(commander), location=None, incident=incident.pk)
    assert response.status_code == 201, response.content
    assert response.json()["location"]["coordinates"] == [113.61, 22.71]
    assert incident.release_links.get().release.zones.count() == 3
    event = Event.objects.filter(type="zone.created").first()
    assert event.payload["incident"] == incident.pk
    # Every console sees threat zones; there is no per-incident audience (nobody could join it).
    assert event.audiences == ["console"]


@pytest.mark.parametrize(("changes", "message"), [
    ({"rate_kg_s": 0}, "above zero"),
    ({"rate_kg_s": -2}, "above zero"),
    ({"wind_speed_ms": 0.3}, "does not hold"),
    ({"chemical": "9999-99-9"}, "Unknown chemical"),
    ({"location": {"type": "Point", "coordinates": [114.5, 22.7]}}, "outside the district"),
    ({"location": {"type": "Point", "coordinates": [22.7, 113.6]}}, "longitude, latitude"),
    ({"stability": "G"}, "A to F"),
    ({"stability": None}, "stability class"),
    ({"stability": None, "daytime": True, "insolation": "bright"}, "sunshine"),
    ({"wind_from_deg": 400}, "between 0 and 360"),
    ({"incident": 987654}, "Unknown incident"),
    ({"location": None}, "release point"),
])
def test_bad_input_is_refused_with_a_message_and_nothing_stored(district, commander, as_user, changes, message):
    response = post(as_user(commander), **changes)
    assert response.status_code == 400
    assert message in str(response.json())
    assert Release.objects.count() == 0 and ThreatZone.objects.count() == 0
    assert not Event.objects.filter(type="zone.created").exists()


@pytest.mark.parametrize("role", [roles.VIEWER, roles.PLANNER, roles.RESPONDER, None])
def test_only_intake_roles_run_a_release(district, make_user, as_user, role):
    user = make_user("someone", *([role] if role else []))
    response = post(as_user(user))
    assert response.status_code == 403
    assert Release.objects.count() == 0


def test_viewer_reads_releases_anonymous_does_not(district, commander, viewer, as_user, client):
    post(as_user(commander))
    listing = as_user(viewer).get("/api/v1/releases/")
    assert listing.status_code == 200 and len(listing.json()) == 1
    detail = as_user(viewer).get(f"/api/v1/releases/{listing.json()[0]['id']}/")
    assert detail.status_code == 200 and len(detail.json()["zones"]) == 3
    assert client.get("/api/v1/releases/").status_code in (401, 403)


def test_chemicals_and_risk_sources_api(demo, viewer, outsider, as_user):
    api = as_user(viewer)
    chemicals = api.get("/api/v1/chemicals/").json()["results"]
    chlorine = next(c for c in chemicals if c["cas"] == "7782-50-5")
    assert (chlorine["aegl1"], chlorine["aegl2"], chlorine["aegl3"]) == (0.5, 2.0, 20)
    assert {"name", "cas", "un_number", "molecular_weight", "erpg1", "erpg2", "erpg3"} <= chlorine.keys()
    benzene = next(c for c in chemicals if c["cas"] == "71-43-2")
    assert benzene["aegl3"] is None

    grade1 = api.get("/api/v1/risk-sources/?grade=1").json()["results"]
    assert [r["code"] for r in grade1] == ["RS01"]
    rs = api.get(f"/api/v1/risk-sources/{grade1[0]['id']}/").json()
    assert rs["chemicals"] == [{"name": "氯", "name_en": "Chlorine", "cas": "7782-50-5", "quantity_t": 70.0,
                                "critical_quantity_t": 5.0, "beta": 4.0}]
    assert (rs["people_within_500m"], rs["alpha"], rs["r_value"], rs["grade"], rs["is_major"]) == (150, 2.0, 112, 1, True)
    assert rs["location"]["type"] == "Point" and rs["enterprise"]["code"] == "E01"
    not_major = api.get("/api/v1/risk-sources/?is_major=false").json()["results"]
    assert [r["code"] for r in not_major] == ["RS08"] and not_major[0]["grade"] is None
    assert as_user(outsider).get("/api/v1/risk-sources/").status_code == 403
