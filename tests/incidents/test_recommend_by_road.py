"""Recommendations ordered by road ETA (issue 24.8): a unit across a river ranks by its way
round, below a unit farther away on this bank; units with no road data keep a straight-line
estimate and say so; a stale position (> 2 minutes) is not where the unit is, its depot is; a
unit beyond the first candidates read by straight line still comes first when the road makes
it the soonest there.

The network of these tests, near the incident at (LON, LAT):

    north bank  (LON-0.06, LAT+0.02) ─────────────────────── (LON+0.06, LAT+0.02)   tertiary
                ~~~~~~~~~~~~~~~~~~~~~~ river ~~~~~~~~~~~~~~~~~~~~~~~~~~~ │ bridge (tertiary,
    south bank  (LON-0.06, LAT)   ────────── incident ────────── (LON+0.06, LAT)    6 km east)
                                                                               primary
"""

import datetime as dt

import pytest
from django.contrib.gis.geos import LineString, Point
from django.utils import timezone
from rest_framework.test import APIClient

from incidents import selectors
from resources.models import Resource
from roads.services import EdgeInput, edges_import
from tests.incidents.conftest import LAT, LON

pytestmark = pytest.mark.django_db


def _river(*, bridge=True):
    lines = [
        EdgeInput(LineString([(LON - 0.06, LAT), (LON + 0.06, LAT)], srid=4326), name="南岸路", road_class="primary"),
        EdgeInput(LineString([(LON - 0.06, LAT + 0.02), (LON + 0.06, LAT + 0.02)], srid=4326), name="北岸路",
                  road_class="tertiary"),
    ]
    if bridge:
        lines.append(EdgeInput(LineString([(LON + 0.06, LAT), (LON + 0.06, LAT + 0.02)], srid=4326), name="大桥",
                               road_class="tertiary"))
    edges_import(lines=lines, origin="test")


def _report(unit, *, lon, lat, seconds_ago):
    """As resources.services stores a position (the API's own path is tested in tests/resources)."""
    Resource.objects.filter(pk=unit.pk).update(position=Point(lon, lat, srid=4326),
                                               position_at=timezone.now() - dt.timedelta(seconds=seconds_ago))


def _codes(recs):
    return [r.resource.code for r in recs]


def test_a_unit_across_the_river_ranks_below_a_farther_one_on_this_bank(incident, make_unit, dispatcher):
    _river()
    across = make_unit("ACROSS", lon=LON, lat=LAT + 0.018)  # ≈ 2.0 km north, over the water
    bank = make_unit("BANK", lon=LON - 0.029, lat=LAT)  # ≈ 3.0 km west, on the incident's road
    recs = selectors.units_recommend(incident=incident, limit=5)
    assert _codes(recs) == ["BANK", "ACROSS"]
    assert recs[1].distance_m < recs[0].distance_m  # nearer by straight line, yet second
    assert [r.eta_basis for r in recs] == ["road", "road"]
    assert recs[0].eta_s == pytest.approx(2978 / (60 / 3.6), rel=0.05)  # 3 km of primary road
    # the way round: 6 km east on the north bank, the bridge, 6 km back west on the south bank
    assert recs[1].eta_s > 900
    # the same order everywhere the recommendations are shown
    client = APIClient()
    client.force_authenticate(dispatcher)
    body = client.get(f"/api/v1/incidents/{incident.pk}/recommendations/").json()
    assert [(i["resource"]["code"], i["eta_basis"]) for i in body] == [("BANK", "road"), ("ACROSS", "road")]
    assert body[0]["eta_s"] < body[1]["eta_s"]
    _card, needs = selectors.run_card_needs(incident=incident)
    assert _codes(needs[0].recommended) == ["BANK"]
    assert [r.resource.code for r in selectors.units_recommend(incident=incident, limit=1,
                                                                capability="fire_suppression")] == ["BANK"]
    client.force_login(dispatcher)
    page = client.get(f"/incidents/{incident.pk}/?part=recommendations").content.decode()
    assert page.index(f'data-resource="{bank.pk}"') < page.index(f'data-resource="{across.pk}"')


def test_with_no_bridge_at_all_the_unit_over_the_water_comes_last_on_a_straight_line(incident, make_unit):
    _river(bridge=False)
    make_unit("ACROSS", lon=LON, lat=LAT + 0.018)  # 2 km: its straight-line estimate is the smallest
    make_unit("BANK", lon=LON - 0.05, lat=LAT)  # 5 km by road
    recs = selectors.units_recommend(incident=incident, limit=5)
    assert _codes(recs) == ["BANK", "ACROSS"]
    assert recs[0].eta_basis == "road"
    assert recs[1].eta_basis == "straight_line"  # no road joins it: what it shows is a guess
    assert recs[1].eta_s < recs[0].eta_s


def test_units_with_no_road_data_keep_a_straight_line_estimate_ranked_with_the_rest(incident, make_unit, dispatcher):
    _river()
    make_unit("BANK", lon=LON - 0.029, lat=LAT)  # 3 km by road: ≈ 180 s
    make_unit("FIELD", lon=LON, lat=LAT - 0.012)  # 1.3 km south, no road within 1 km of it
    make_unit("FAR", lon=LON - 0.3, lat=LAT - 0.3)  # 45 km away, off the network
    recs = selectors.units_recommend(incident=incident, limit=5)
    assert [(r.resource.code, r.eta_basis) for r in recs] == [
        ("FIELD", "straight_line"), ("BANK", "road"), ("FAR", "straight_line")]
    field = recs[0]
    assert field.eta_s == round(field.distance_m * 1.3 / (40 / 3.6))  # a fire engine's estimate
    client = APIClient()
    client.force_authenticate(dispatcher)
    body = client.get(f"/api/v1/incidents/{incident.pk}/recommendations/").json()
    assert [(i["resource"]["code"], i["eta_basis"]) for i in body] == [
        ("FIELD", "straight_line"), ("BANK", "road"), ("FAR", "straight_line")]
    assert [i["eta_s"] for i in body] == sorted(i["eta_s"] for i in body)


def test_a_stale_position_is_not_where_the_unit_is_its_depot_is(incident, make_unit):
    _river()
    make_unit("BANK", lon=LON - 0.029, lat=LAT)
    mover = make_unit("MOVER", lon=LON + 0.002, lat=LAT + 0.019)  # its depot is over the water
    _report(mover, lon=LON + 0.005, lat=LAT, seconds_ago=30)  # now on this bank, 500 m east
    recs = selectors.units_recommend(incident=incident, limit=5)
    assert _codes(recs) == ["MOVER", "BANK"]
    assert recs[0].eta_basis == "road" and recs[0].eta_s < 60 and recs[0].distance_m < 600
    _report(mover, lon=LON + 0.005, lat=LAT, seconds_ago=150)  # 2.5 minutes old: back at its depot
    recs = selectors.units_recommend(incident=incident, limit=5)
    assert _codes(recs) == ["BANK", "MOVER"]
    assert recs[1].distance_m > 2000 and recs[1].eta_s > 900  # from the depot, round by the bridge


def test_a_unit_beyond_the_first_candidates_comes_first_when_the_road_makes_it_soonest(incident, make_unit):
    _river()
    # thirty units over the water, all nearer than the one on this bank: more than the
    # candidates first read by straight line for one unit wanted
    for i in range(30):
        make_unit(f"N{i:02}", lon=LON - 0.015 + i * 0.001, lat=LAT + 0.018)
    make_unit("BANK", lon=LON - 0.045, lat=LAT)  # 4.6 km west by road: ≈ 280 s
    [first] = selectors.units_recommend(incident=incident, limit=1)
    assert first.resource.code == "BANK" and first.eta_basis == "road"
    [first] = selectors.units_recommend(incident=incident, limit=1, capability="fire_suppression")
    assert first.resource.code == "BANK"
    _card, needs = selectors.run_card_needs(incident=incident)
    assert _codes(needs[0].recommended) == ["BANK"]


def test_filters_hold_and_no_unit_fills_two_needs(incident, make_unit, fire_type):
    from incidents.models import RunCard, RunCardNeed

    _river()
    card = RunCard.objects.create(incident_type=fire_type, severity="")
    RunCardNeed.objects.create(run_card=card, capability="fire_suppression", count=1, position=0)
    RunCardNeed.objects.create(run_card=card, capability="rescue", count=1, position=1)
    make_unit("BOTH", lon=LON - 0.01, lat=LAT, caps=["fire_suppression", "rescue"])  # soonest for both
    make_unit("RESCUE", lon=LON - 0.04, lat=LAT, caps=["rescue"], kind="rescue_team")
    make_unit("BUSY", lon=LON - 0.001, lat=LAT, caps=["fire_suppression", "rescue"], status="dispatched")
    make_unit("SHELTER", lon=LON - 0.002, lat=LAT, kind="shelter", capacity=100, caps=["fire_suppression"])
    make_unit("WRONG", lon=LON - 0.003, lat=LAT, caps=["ems"], kind="ambulance")
    recs = selectors.units_recommend(incident=incident)
    assert [(r.resource.code, r.need) for r in recs] == [("BOTH", "fire_suppression"), ("RESCUE", "rescue")]
