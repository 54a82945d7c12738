"""Road ETAs bounded in time (roads.routing.etas with `within_s`, issue 24.10): a search that
reads only the edges within reach of the destination in that time answers every ETA up to it
exactly, as the search on the whole network does, and says None for the origins on the roads
that need longer; `Reach.soonest_s`, the least ETA from a straight-line distance, is never
above an ETA found on the roads. The network is tests/roads/test_routing.py's ladder."""

import datetime as dt

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from roads import routing
from roads.models import RoadClosure, RoadEdge
from tests.roads.test_routing import A, B, C, D, E, F, _ladder, _p

pytestmark = pytest.mark.django_db

FAR = Point(113.30, 22.30, srid=4326)  # tens of km from any road of the ladder


def test_a_bounded_search_answers_exactly_up_to_its_bound_and_none_beyond():
    _ladder()
    origins = [_p(A), _p(B), _p(F), _p(E), FAR]
    full = routing.etas(origins, _p(C))
    assert [e.basis for e in full] == ["road"] * 4 + ["straight_line"]
    a, b, f, e = (x.duration_s for x in full[:4])
    assert b < f < a < e  # B and F one stretch of primary from C, A two; E behind the service road
    bounded = routing.etas(origins, _p(C), within_s=a)
    assert bounded[:3] == full[:3]  # A's ETA is the bound itself: it counts
    assert bounded[3] is None  # E needs longer: no answer, nothing beyond the bound was searched for it
    assert bounded[4] == full[4]  # off the roads: its straight line, bound or not
    tighter = routing.etas(origins, _p(C), within_s=a - 1)
    assert tighter[0] is None and tighter[1:3] == full[1:3]
    assert routing.etas(origins, _p(C), within_s=e) == full  # a bound above every ETA: the same answers


def test_a_bounded_search_finds_the_long_way_round_within_its_bound():
    _ladder()
    now = timezone.now()
    for edge in RoadEdge.objects.filter(name="top"):  # the top road closed: A to C is the way round
        RoadClosure.objects.create(edge=edge, starts_at=now - dt.timedelta(hours=1))
    [round_way] = routing.etas([_p(A)], _p(C))
    assert round_way.basis == "road" and round_way.duration_s > 300  # a kilometre and more of service road
    assert routing.etas([_p(A)], _p(C), within_s=round_way.duration_s) == [round_way]
    assert routing.etas([_p(A)], _p(C), within_s=round_way.duration_s - 1) == [None]


def test_soonest_is_a_lower_bound_of_every_eta_by_road():
    _ladder()
    reach = routing.reach_for(_p(C))
    assert reach.node is not None and reach.metres < 1 and reach.edge_kmh == 60  # primary: a unit's 60 km/h
    near_c = Point(C[0] + 0.0004, C[1] + 0.0004, srid=4326)  # ≈ 60 m north-east of the corner C, off the roads
    off = routing.reach_for(near_c)
    assert off.node == reach.node and 50 < off.metres < 70
    # the destination's connector is driven at CONNECTOR_KMH, the rest at most at the top edge speed
    assert off.soonest_s(0) == pytest.approx(off.metres / (routing.CONNECTOR_KMH / 3.6))
    assert off.soonest_s(5000) == pytest.approx((5000 - off.metres) / (60 / 3.6) + off.metres / (30 / 3.6))
    origins = [_p(xy) for xy in (A, B, D, E, F)] + [Point(113.605, 22.7505, srid=4326),
                                                     Point(113.6151, 22.7398, srid=4326)]
    for destination, rc in ((_p(C), reach), (near_c, off)):
        for eta in routing.etas(origins, destination):
            assert eta.basis == "road"
            # an ETA is rounded to the second; its distance_m is the haversine's, up to 0.5 % over
            # the spheroid's that the recommendation bounds with (and edges are measured on)
            assert eta.duration_s >= rc.soonest_s(eta.distance_m * 0.99) - 0.5
    assert routing.reach_for(FAR).node is None and routing.reach_for(FAR).soonest_s(10) == float("inf")
