"""The console pages of issue 13, server side: run card needs grouped with what is missing,
any unit by search, the intake form (cursor, clock, address picker, district check), the unit
board with responders and positions, run cards in the admin."""

from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from incidents import services
from incidents.models import Incident, IncidentType, RunCard, RunCardNeed
from places import demo as places_demo
from resources.models import Agency, Resource, Responder
from tests.conftest import PASSWORD

from .conftest import LAT, LON


@pytest.fixture
def leak(db, duty_officer):
    itype = IncidentType.objects.create(code="hazmat-leak", klass="accident", name_zh="危险化学品泄漏",
                                        name_en="Hazardous chemical leak", required_capabilities=["hazmat"])
    card = RunCard.objects.create(incident_type=itype, severity="III", note="上风向停车")
    RunCardNeed.objects.create(run_card=card, capability="fire_suppression", count=2, position=0)
    RunCardNeed.objects.create(run_card=card, capability="traffic_control", count=1, position=1)
    agency = Agency.objects.create(code="F", name="消防")
    for code, dx in (("FE1", 0.001), ("FE2", 0.002), ("FE3", 0.02)):
        Resource.objects.create(code=code, name=f"消防车{code}", kind="fire_engine", agency=agency,
                                capabilities=["fire_suppression"], location=Point(LON + dx, LAT, srid=4326))
    return services.incident_log(actor=duty_officer, type_code="hazmat-leak", severity="III", lon=LON, lat=LAT)


def test_detail_groups_recommendations_by_need_and_shows_what_is_missing(client, dispatcher, leak):
    client.force_login(dispatcher)
    html = client.get(f"/incidents/{leak.pk}/").content.decode()
    assert 'data-need="fire_suppression" data-missing="2"' in html
    assert 'data-need="traffic_control" data-missing="1"' in html and "data-unfillable" in html
    assert "Fire suppression" in html and "Traffic control" in html  # names, not codes
    assert "上风向停车" in html  # the card's note for the dispatcher
    assert 'id="incident-map"' in html and 'id="unit-search-input"' in html and 'data-timer-since="' in html


def test_any_available_unit_is_found_by_search_in_the_page(client, dispatcher, leak):
    client.force_login(dispatcher)
    part = client.get(f"/incidents/{leak.pk}/", {"part": "search", "q": "FE3"}).content.decode()
    assert 'name="resources" value="' in part and "消防车FE3" in part and "消防车FE1" not in part
    nothing = client.get(f"/incidents/{leak.pk}/", {"part": "search", "q": "没有这个"}).content.decode()
    assert "No available unit matches." in nothing
    # Without JavaScript: the Find button reloads the page with the results in the form.
    page = client.get(f"/incidents/{leak.pk}/", {"q": "FE3"}).content.decode()
    assert 'id="any-' in page


def test_intake_form_starts_in_the_first_field_with_a_clock_and_an_address_picker(client, duty_officer, db):
    client.force_login(duty_officer)
    html = client.get("/incidents/new/").content.decode()
    assert 'name="type"' in html and "autofocus" in html.split('name="type"')[0].rsplit("<select", 1)[1] + \
        html.split('name="type"')[1].split(">")[0]
    assert 'id="intake-timer"' in html and 'name="call_started"' in html
    assert 'id="place-suggestions"' in html and 'name="outside_district"' in html
    assert "/api/v1/basemap/" in html
    # The address comes before the coordinates: a call-taker picks a place, not degrees.
    assert html.index('name="address"') < html.index('name="lon"')


def test_intake_refuses_a_point_outside_the_district_until_confirmed(client, duty_officer, db):
    places_demo.load()
    IncidentType.objects.create(code="fire", klass="accident", name_zh="火灾", name_en="Fire")
    client.force_login(duty_officer)
    form = {"type": "fire", "severity": "IV", "lon": "116.397", "lat": "39.909", "address": "天安门"}
    response = client.post("/incidents/new/", form)
    assert response.status_code == 200 and "outside the district" in response.content.decode()
    assert not Incident.objects.exists()
    response = client.post("/incidents/new/", {**form, "outside_district": "on"})
    assert response.status_code == 302 and Incident.objects.get().outside_district


def test_intake_counts_from_the_moment_the_call_was_answered(client, duty_officer, db):
    IncidentType.objects.create(code="fire", klass="accident", name_zh="火灾", name_en="Fire")
    client.force_login(duty_officer)
    answered = timezone.now() - timedelta(seconds=95)
    client.post("/incidents/new/", {"type": "fire", "severity": "IV", "lon": LON, "lat": LAT,
                                    "call_started": answered.isoformat()})
    incident = Incident.objects.get()
    assert abs((incident.reported_at - answered).total_seconds()) < 1
    # A forged or stale time is not trusted: the call then counts from now.
    client.post("/incidents/new/", {"type": "fire", "severity": "IV", "lon": LON, "lat": LAT,
                                    "call_started": "1999-01-01T00:00:00+00:00"})
    assert Incident.objects.order_by("-id").first().reported_at > timezone.now() - timedelta(minutes=1)
    # Garbage in the hidden field is not the call-taker's problem: logged, counted from now.
    for junk in ("²", "9999-99-99T99:99", "x" * 500):
        response = client.post("/incidents/new/", {"type": "fire", "severity": "IV", "lon": LON, "lat": LAT,
                                                   "call_started": junk})
        assert response.status_code == 302, junk


def test_unit_board_shows_responders_and_positions(client, dispatcher, make_user, db):
    agency = Agency.objects.create(code="E", name="急救")
    unit = Resource.objects.create(code="AM7", name="救护车07", kind="ambulance", agency=agency, capabilities=["ems"],
                                   location=Point(113.61234, 22.75678, srid=4326))
    crew = make_user("crew7")
    crew.first_name = "李四"
    crew.save()
    Responder.objects.create(user=crew, agency=agency, resource=unit, phone="13900000007")
    places_demo.load()  # the gazetteer says where a unit is in words
    client.force_login(dispatcher)
    html = client.get("/incidents/board/").content.decode()
    assert "m from 明珠大厦" in html
    assert 'data-responder="crew7"' in html and "李四" in html and 'href="tel:13900000007"' in html
    assert "22.75678, 113.61234" in html


def test_planner_keeps_run_cards_in_the_admin(client, planner, db):
    itype = IncidentType.objects.create(code="fire", klass="accident", name_zh="火灾", name_en="Fire")
    client.login(username=planner.username, password=PASSWORD)
    data = {"incident_type": itype.pk, "severity": "II", "note": "",
            "needs-TOTAL_FORMS": "2", "needs-INITIAL_FORMS": "0", "needs-MIN_NUM_FORMS": "0",
            "needs-MAX_NUM_FORMS": "1000",
            "needs-0-position": "0", "needs-0-capability": "fire_suppression", "needs-0-count": "6",
            "needs-1-position": "1", "needs-1-capability": "ems", "needs-1-count": "2"}
    response = client.post("/admin/incidents/runcard/add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    card = RunCard.objects.get()
    assert [(n.capability, n.count) for n in card.needs.all()] == [("fire_suppression", 6), ("ems", 2)]
    # The same type and severity twice, or a count of 0: a form error, never a 500.
    again = client.post("/admin/incidents/runcard/add/", {**data, "needs-0-count": "0"})
    assert again.status_code == 200 and RunCard.objects.count() == 1
    listing = client.get("/admin/incidents/runcard/").content.decode()
    assert "Fire suppression × 6" in listing
    types = client.get("/admin/incidents/incidenttype/").content.decode()
    assert "Ⅱ" in types  # the type's run cards, by severity
