"""Run cards (调派方案): the recommendation fills the whole mix a response needs, grouped by
need, and says what is still missing (docs/contract.md: recommendations name their `need`; run-card)."""

import pytest
from django.contrib.gis.geos import Point
from rest_framework.test import APIClient

from incidents import selectors, services
from incidents.models import IncidentType, RunCard, RunCardNeed
from resources.models import Agency, Resource

from .conftest import LAT, LON


@pytest.fixture
def hazmat_type(db):
    return IncidentType.objects.create(code="hazmat-leak", klass="accident", name_zh="危险化学品泄漏",
                                       name_en="Hazardous chemical leak", required_capabilities=["hazmat"])


@pytest.fixture
def hazmat_card(hazmat_type):
    card = RunCard.objects.create(incident_type=hazmat_type, severity="III")
    for position, (capability, count) in enumerate([("fire_suppression", 2), ("hazmat", 1), ("ems", 1),
                                                    ("traffic_control", 1)]):
        RunCardNeed.objects.create(run_card=card, capability=capability, count=count, position=position)
    return card


@pytest.fixture
def district(db):
    """Three engines, two hazmat units, an ambulance, no police car: one need cannot be filled."""
    agency = Agency.objects.create(code="A", name="A")

    def unit(code, kind, caps, dx):
        return Resource.objects.create(code=code, name=f"单位{code}", kind=kind, capabilities=caps, agency=agency,
                                       location=Point(LON + dx, LAT, srid=4326))

    return {
        "FE1": unit("FE1", "fire_engine", ["fire_suppression", "water_supply"], 0.001),
        "FE2": unit("FE2", "fire_engine", ["fire_suppression", "water_supply"], 0.002),
        "FE3": unit("FE3", "fire_engine", ["fire_suppression", "water_supply"], 0.030),
        "HZ1": unit("HZ1", "hazmat_unit", ["hazmat", "decontamination", "gas_detection"], 0.004),
        "HZ2": unit("HZ2", "hazmat_unit", ["hazmat", "decontamination", "gas_detection"], 0.005),
        "AM1": unit("AM1", "ambulance", ["ems", "patient_transport"], 0.020),
    }


@pytest.fixture
def leak(hazmat_card, duty_officer):
    return services.incident_log(actor=duty_officer, type_code="hazmat-leak", severity="III", lon=LON, lat=LAT)


@pytest.fixture
def api(dispatcher):
    client = APIClient()
    client.force_authenticate(dispatcher)
    return client


def test_recommendations_fill_the_whole_mix_nearest_first_each_naming_its_need(api, leak, district):
    body = api.get(f"/api/v1/incidents/{leak.pk}/recommendations/").json()
    codes = [item["resource"]["code"] for item in body]
    assert codes == ["FE1", "FE2", "HZ1", "AM1"]  # not only hazmat trucks; the far FE3 not needed
    assert [item["need"] for item in body] == ["fire_suppression", "fire_suppression", "hazmat", "ems"]
    distances = [item["distance_m"] for item in body]
    assert distances == sorted(distances)
    assert {"resource", "distance_m", "eta_s"} <= set(body[0])


def test_run_card_says_what_is_asked_filled_and_missing(api, leak, district):
    body = api.get(f"/api/v1/incidents/{leak.pk}/run-card/").json()
    needs = {n["capability"]: n for n in body["needs"]}
    assert [n["capability"] for n in body["needs"]] == ["fire_suppression", "hazmat", "ems", "traffic_control"]
    fire = needs["fire_suppression"]
    assert (fire["count"], fire["filled"], fire["missing"], fire["label"]) == (2, 0, 2, "Fire suppression")
    assert needs["traffic_control"]["missing"] == 1 and needs["traffic_control"]["unfillable"] == 1
    assert needs["traffic_control"]["recommended"] == []
    assert body["run_card"]["severity"] == "III"


def test_dispatched_units_fill_needs_and_leave_the_rest_missing(api, leak, district, dispatcher):
    services.assignment_create(actor=dispatcher, incident_id=leak.pk, resource_ids=[district["FE1"].pk])
    needs = {n["capability"]: n for n in api.get(f"/api/v1/incidents/{leak.pk}/run-card/").json()["needs"]}
    assert (needs["fire_suppression"]["filled"], needs["fire_suppression"]["missing"]) == (1, 1)
    body = api.get(f"/api/v1/incidents/{leak.pk}/recommendations/").json()
    assert [item["resource"]["code"] for item in body if item["need"] == "fire_suppression"] == ["FE2"]


def test_a_unit_fills_one_need_only(hazmat_type, duty_officer, db):
    agency = Agency.objects.create(code="B", name="B")
    card = RunCard.objects.create(incident_type=hazmat_type, severity="")
    RunCardNeed.objects.create(run_card=card, capability="hazmat", count=1, position=0)
    RunCardNeed.objects.create(run_card=card, capability="gas_detection", count=1, position=1)
    for code, dx in (("HZA", 0.001), ("HZB", 0.002)):
        Resource.objects.create(code=code, name=code, kind="hazmat_unit", capabilities=["hazmat", "gas_detection"],
                                agency=agency, location=Point(LON + dx, LAT, srid=4326))
    incident = services.incident_log(actor=duty_officer, type_code="hazmat-leak", severity="I", lon=LON, lat=LAT)
    recs = selectors.units_recommend(incident=incident)
    assert [(r.resource.code, r.need) for r in recs] == [("HZA", "hazmat"), ("HZB", "gas_detection")]


def test_card_for_any_severity_applies_when_the_severity_has_none(hazmat_type, hazmat_card, duty_officer, district):
    any_card = RunCard.objects.create(incident_type=hazmat_type, severity="")
    RunCardNeed.objects.create(run_card=any_card, capability="hazmat", count=2)
    minor = services.incident_log(actor=duty_officer, type_code="hazmat-leak", severity="IV", lon=LON, lat=LAT)
    card, needs = selectors.run_card_needs(incident=minor)
    assert card == any_card and [(n.capability, n.count) for n in needs] == [("hazmat", 2)]


def test_without_a_card_each_capability_of_the_type_is_one_need(api, duty_officer, district, db):
    IncidentType.objects.create(code="traffic", klass="accident", name_zh="道路交通事故", name_en="Traffic",
                                required_capabilities=["fire_suppression", "ems", "traffic_control"])
    crash = services.incident_log(actor=duty_officer, type_code="traffic", severity="IV", lon=LON, lat=LAT)
    body = api.get(f"/api/v1/incidents/{crash.pk}/run-card/").json()
    assert body["run_card"] is None
    assert [(n["capability"], n["count"]) for n in body["needs"]] == [
        ("fire_suppression", 1), ("ems", 1), ("traffic_control", 1)]
    recs = api.get(f"/api/v1/incidents/{crash.pk}/recommendations/?limit=1").json()
    assert len(recs) == 1 and recs[0]["resource"]["code"] == "FE1"


def test_any_available_unit_can_be_found_by_name_call_sign_or_kind(api, leak, district, dispatcher):
    services.assignment_create(actor=dispatcher, incident_id=leak.pk, resource_ids=[district["FE1"].pk])
    by_code = api.get(f"/api/v1/incidents/{leak.pk}/units/?q=FE3").json()
    assert [r["resource"]["code"] for r in by_code] == ["FE3"]
    by_kind = api.get(f"/api/v1/incidents/{leak.pk}/units/?q=engine").json()
    assert [r["resource"]["code"] for r in by_kind] == ["FE2", "FE3"]  # FE1 is busy; nearest first
    everything = api.get(f"/api/v1/incidents/{leak.pk}/units/").json()
    assert {r["resource"]["code"] for r in everything} == {"FE2", "FE3", "HZ1", "HZ2", "AM1"}


def test_run_card_and_unit_search_refuse_roles_outside_the_console(leak, make_user):
    client = APIClient()
    client.force_authenticate(make_user("nobody"))
    assert client.get(f"/api/v1/incidents/{leak.pk}/run-card/").status_code == 403
    assert client.get(f"/api/v1/incidents/{leak.pk}/units/?q=x").status_code == 403
    assert APIClient().get(f"/api/v1/incidents/{leak.pk}/run-card/").status_code in (401, 403)


def test_a_closed_incident_recommends_nothing_more(api, leak, district, duty_officer):
    services.incident_change_status(actor=duty_officer, incident_id=leak.pk, status="closed")
    body = api.get(f"/api/v1/incidents/{leak.pk}/run-card/").json()
    assert [n["capability"] for n in body["needs"]] == ["fire_suppression", "hazmat", "ems", "traffic_control"]
    assert all(n["recommended"] == [] for n in body["needs"])
