"""Recommendations from where units are (issue 24.8): a position fresher than 2 minutes stands
for the unit's place instead of its depot; the ETA comes from the road network where there is
one, a straight line elsewhere, and each item says which (`eta_basis`) in the API and on the
incident page."""

import datetime as dt

import pytest
from django.contrib.gis.geos import LineString
from django.utils import timezone
from rest_framework.test import APIClient

from incidents import selectors
from resources.models import Resource
from roads.services import EdgeInput, edges_import
from tests.incidents.conftest import LAT, LON

pytestmark = pytest.mark.django_db


def _report(unit, *, lon, lat, seconds_ago):
    """As resources.services stores a position (the API's own path is tested in tests/resources)."""
    from django.contrib.gis.geos import Point

    Resource.objects.filter(pk=unit.pk).update(position=Point(lon, lat, srid=4326),
                                               position_at=timezone.now() - dt.timedelta(seconds=seconds_ago))


def test_a_fresh_position_replaces_the_depot_and_a_stale_one_does_not(incident, make_unit):
    near_depot = make_unit("D1", lon=LON + 0.01)  # ~1 km from the incident, at its depot
    away = make_unit("D2", lon=LON + 0.2)  # its depot ~20 km away ...
    _report(away, lon=LON + 0.001, lat=LAT, seconds_ago=30)  # ... but it is 100 m from the incident now
    recs = selectors.units_recommend(incident=incident, limit=5)
    assert [r.resource for r in recs] == [away, near_depot]
    assert 95 < recs[0].distance_m < 110
    _report(away, lon=LON + 0.001, lat=LAT, seconds_ago=180)  # three minutes old: back to its depot
    recs = selectors.units_recommend(incident=incident, limit=5)
    assert [r.resource for r in recs] == [near_depot, away]
    assert recs[1].distance_m > 19000


def test_a_fresh_position_far_away_moves_a_unit_down_the_list(incident, make_unit):
    here = make_unit("H1", lon=LON + 0.001)
    other = make_unit("H2", lon=LON + 0.005)
    _report(here, lon=LON + 0.1, lat=LAT, seconds_ago=10)  # it left its depot: 10 km away now
    assert [r.resource for r in selectors.units_recommend(incident=incident, limit=5)] == [other, here]
    # run cards too (run_card_needs): the need's nearest is the one that is near now
    _card, needs = selectors.run_card_needs(incident=incident)
    assert needs[0].recommended[0].resource == other


def test_eta_is_by_road_where_there_are_roads_and_says_so(incident, make_unit, dispatcher):
    on_road = make_unit("R1", lon=LON + 0.02)
    off_road = make_unit("R2", lon=LON - 0.3, lat=LAT - 0.3)  # far from any road of this network
    edges_import(lines=[EdgeInput(LineString([(LON, LAT), (LON + 0.02, LAT)], srid=4326), name="东西路",
                                  road_class="primary")], origin="test")
    recs = selectors.units_recommend(incident=incident, limit=5)
    by_unit = {r.resource: r for r in recs}
    assert by_unit[on_road].eta_basis == "road"
    # 0.02° of longitude (≈ 2,053 m) on a primary road at 60 km/h
    assert by_unit[on_road].eta_s == pytest.approx(2053 / (60 / 3.6), rel=0.03)
    assert by_unit[off_road].eta_basis == "straight_line"
    assert by_unit[off_road].eta_s == round(by_unit[off_road].distance_m * 1.3 / (40 / 3.6))
    client = APIClient()
    client.force_authenticate(dispatcher)
    items = client.get(f"/api/v1/incidents/{incident.pk}/recommendations/").json()
    assert {i["resource"]["code"]: i["eta_basis"] for i in items} == {"R1": "road", "R2": "straight_line"}
    # The console's incident page shows which
    client.force_login(dispatcher)
    page = client.get(f"/incidents/{incident.pk}/?part=recommendations").content.decode()
    assert f'data-resource="{on_road.pk}"' in page
    assert 'data-eta-kind="road"' in page and "by road" in page
    assert 'data-eta-kind="straight_line"' in page and "straight line" in page


def test_a_units_live_position_gives_a_road_eta_from_where_it_is(incident, make_unit):
    unit = make_unit("L1", lon=LON - 0.3, lat=LAT - 0.3)  # depot off the network
    edges_import(lines=[EdgeInput(LineString([(LON, LAT), (LON + 0.02, LAT)], srid=4326), name="东西路",
                                  road_class="primary")], origin="test")
    [rec] = selectors.units_recommend(incident=incident, limit=5)
    assert rec.eta_basis == "straight_line"
    _report(unit, lon=LON + 0.02, lat=LAT, seconds_ago=5)  # now on the road, 2 km east
    [rec] = selectors.units_recommend(incident=incident, limit=5)
    assert rec.eta_basis == "road" and rec.eta_s == pytest.approx(2053 / (60 / 3.6), rel=0.03)


def test_a_unit_inside_a_threat_zone_is_judged_where_it_is_now(make_unit, commander):
    from django.contrib.gis.geos import Point, Polygon

    from hazards.models import Chemical, Release, ThreatZone

    chem = Chemical.objects.create(name="氯", name_en="Chlorine", cas="7782-50-5", molecular_weight=70.9,
                                   aegl1=0.5, aegl2=2, aegl3=20, critical_quantity_t=5)
    release = Release.objects.create(chemical=chem, location=Point(LON + 0.1, LAT, srid=4326), rate_kg_s=1,
                                     wind_speed_ms=3, wind_from_deg=90, stability="D", created_by=commander)
    ThreatZone.objects.create(release=release, level="AEGL-2", threshold_ppm=2, distance_m=2000,
                              boundary=Polygon.from_bbox((LON + 0.09, LAT - 0.01, LON + 0.11, LAT + 0.01)))
    unit = make_unit("Z1")  # its depot is 10 km from the zone
    assert selectors.units_in_zones(release=release) == {}
    _report(unit, lon=LON + 0.1, lat=LAT, seconds_ago=20)  # now it is inside
    assert selectors.units_in_zones(release=release) == {unit.pk: "AEGL-2"}
    brief = selectors.release_brief(release, resource=unit)
    assert brief["unit_inside"] == "AEGL-2" and brief["zones"][0]["unit_distance_m"] == 0
    _report(unit, lon=LON + 0.1, lat=LAT, seconds_ago=600)  # stale: back at its depot
    assert selectors.units_in_zones(release=release) == {}
    assert selectors.release_brief(release, resource=unit)["zones"][0]["unit_distance_m"] > 9000
