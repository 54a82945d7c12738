"""Routing on the road network (roads.routing, pgRouting): closures in time, roads open to
hazardous goods, one-way edges, and the straight-line fallback only where no road exists.

The network of each test is a small ladder near the district's centre:

    A(113.60,22.75) ── B(113.61,22.75) ── C(113.62,22.75)      top: primary, not hazmat
        │                                      │
    D(113.60,22.74) ── E(113.61,22.74) ── F(113.62,22.74)      bottom: service road, hazmat
"""

import datetime as dt
import io

import pytest
from django.contrib.gis.geos import LineString, Point
from django.core.management import call_command
from django.utils import timezone

from roads import demo, routing
from roads.models import RoadClosure, RoadEdge, RoadNode
from roads.services import EdgeInput, edges_import, network_rebuild

pytestmark = pytest.mark.django_db

A, B, C = (113.60, 22.75), (113.61, 22.75), (113.62, 22.75)
D, E, F = (113.60, 22.74), (113.61, 22.74), (113.62, 22.74)


def _ladder(*, top_oneway=False, hazmat_top=False):
    return edges_import(lines=[
        EdgeInput(LineString([A, B, C], srid=4326), name="top", road_class="primary", oneway=top_oneway,
                  hazmat_allowed=hazmat_top),
        EdgeInput(LineString([D, E, F], srid=4326), name="bottom", road_class="service", hazmat_allowed=True),
        EdgeInput(LineString([A, D], srid=4326), name="west", road_class="primary", hazmat_allowed=True),
        EdgeInput(LineString([C, F], srid=4326), name="east", road_class="primary", hazmat_allowed=True),
    ], origin="test")


def _p(xy):
    return Point(*xy, srid=4326)


def _names(route):
    """Which of the ladder's roads the route runs along (by its vertices' latitudes)."""
    ys = {round(y, 4) for _x, y in route.geometry.coords[1:-1]}
    return {"top" if 22.75 in ys else None, "bottom" if 22.74 in ys else None} - {None}


def test_import_cuts_lines_into_edges_and_numbers_the_junctions():
    made = _ladder()
    assert made == RoadEdge.objects.count() and made > 4  # long segments divided (SEGMENT_MAX_M)
    assert not RoadEdge.objects.filter(source__isnull=True).exists()
    # A, C, D, F are shared by two lines each: one node each, not two.
    for corner in (A, C, D, F):
        assert RoadNode.objects.filter(location=_p(corner)).count() == 1
    assert network_rebuild() == RoadNode.objects.count()  # safe twice


def test_fastest_route_prefers_the_faster_road_and_reports_length_and_duration():
    _ladder()
    route = routing.route_between(_p(A), _p(C))
    assert route.basis == "road" and route.geometry.srid == 4326
    assert _names(route) == {"top"}
    assert route.geometry.coords[0] == A and route.geometry.coords[-1] == C
    assert 2000 < route.length_m < 2100  # two 0.01° steps of longitude at 22.75° N ≈ 2 × 1027 m
    assert route.duration_s == pytest.approx(route.length_m / (60 / 3.6), rel=0.01)  # primary: 60 km/h


def test_a_closed_road_is_avoided_while_closed_only():
    _ladder()
    now = timezone.now()
    for edge in RoadEdge.objects.filter(name="top"):
        RoadClosure.objects.create(edge=edge, starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(hours=1))
    assert _names(routing.route_between(_p(A), _p(C))) == {"bottom"}
    assert _names(routing.route_between(_p(A), _p(C), at=now + dt.timedelta(hours=2))) == {"top"}
    assert _names(routing.route_between(_p(A), _p(C), at=now - dt.timedelta(hours=2))) == {"top"}


def test_hazmat_routes_keep_to_roads_open_to_hazardous_goods():
    _ladder()
    assert _names(routing.route_between(_p(A), _p(C))) == {"top"}
    assert _names(routing.route_between(_p(A), _p(C), hazmat=True)) == {"bottom"}
    for edge in RoadEdge.objects.filter(name="bottom"):
        RoadClosure.objects.create(edge=edge, starts_at=timezone.now() - dt.timedelta(minutes=1))
    assert routing.route_between(_p(A), _p(C), hazmat=True) is None  # no hazmat way left: no route


def test_one_way_is_driven_only_the_way_it_is_drawn():
    _ladder(top_oneway=True)
    assert _names(routing.route_between(_p(A), _p(C))) == {"top"}
    back = routing.route_between(_p(C), _p(A))
    assert _names(back) == {"bottom"}
    assert back.geometry.coords[0] == C and back.geometry.coords[-1] == A


def test_eta_on_roads_by_class_and_straight_line_only_where_no_road_exists():
    _ladder()
    on_road = routing.eta(_p(A), _p(C))
    assert on_road.basis == "road"
    assert on_road.duration_s == pytest.approx(2055 / (60 / 3.6), rel=0.02)  # primary at 60 km/h
    far = Point(113.30, 22.30, srid=4326)  # tens of km from any road of this network
    off = routing.eta(far, _p(C))
    assert off.basis == "straight_line"
    assert off.duration_s == pytest.approx(off.distance_m * routing.ROAD_FACTOR / (routing.STRAIGHT_LINE_KMH / 3.6),
                                           abs=1)
    both = routing.etas([_p(A), far, _p(F)], _p(C))
    assert [e.basis for e in both] == ["road", "straight_line", "road"]


def test_eta_near_a_road_joins_it_and_without_any_road_data_is_a_straight_line():
    assert routing.eta(_p(A), _p(C)).basis == "straight_line"  # no network at all
    _ladder()
    near = Point(113.6001, 22.7505, srid=4326)  # ~55 m off the corner A
    result = routing.eta(near, _p(C))
    assert result.basis == "road" and result.duration_s > routing.eta(_p(A), _p(C)).duration_s


def test_demo_network_routes_a_hazmat_truck_from_the_motorway_into_the_park():
    assert demo.load()["road_edges"] > 100
    assert demo.load() == {"road_edges": 0}  # idempotent
    route = routing.route_between(Point(113.531, 22.672, srid=4326), Point(113.687, 22.641, srid=4326),
                                  hazmat=True)
    assert route is not None and 15000 < route.length_m < 30000
    # The park's north road (by the offices) is not open to hazardous goods; the route never runs along it.
    north = list(RoadEdge.objects.filter(name="园区北路"))
    assert north and all(route.geometry.intersection(e.geometry).length == 0 for e in north)


def test_import_gis_brings_roads_in_with_their_attributes(tmp_path):
    path = tmp_path / "roads.geojson"
    path.write_text("""{"type": "FeatureCollection", "features": [
      {"type": "Feature", "properties": {"name": "一号路", "class": "secondary", "maxspeed": "40", "hazmat": "yes",
       "oneway": "1"}, "geometry": {"type": "LineString", "coordinates": [[113.60, 22.75], [113.61, 22.75]]}},
      {"type": "Feature", "properties": {"name": "二号路", "class": "nonsense", "maxspeed": "", "hazmat": "no",
       "oneway": "0"}, "geometry": {"type": "MultiLineString", "coordinates": [[[113.61, 22.75], [113.61, 22.76]]]}},
      {"type": "Feature", "properties": {"name": "点"}, "geometry": {"type": "Point", "coordinates": [113.6, 22.7]}}
    ]}""", encoding="utf-8")
    out = io.StringIO()
    call_command("import_gis", str(path), "--into", "roads", "--class-field", "class", "--speed-field", "maxspeed",
                 "--hazmat-field", "hazmat", "--oneway-field", "oneway", stdout=out)
    assert "skipped 1" in out.getvalue()
    one = RoadEdge.objects.filter(name="一号路")
    assert one.exists() and all(e.road_class == "secondary" and e.speed_limit_kmh == 40 and e.hazmat_allowed
                                and e.oneway for e in one)
    two = RoadEdge.objects.filter(name="二号路")
    assert two.exists() and all(e.road_class == "tertiary" and e.speed_limit_kmh is None and not e.hazmat_allowed
                                and not e.oneway for e in two)
    # The two lines share (113.61, 22.75): one junction, and a route runs from one to the other.
    assert routing.route_between(Point(113.60, 22.75, srid=4326), Point(113.61, 22.76, srid=4326)) is not None
    # --replace swaps what this file brought in, nothing else.
    _ladder()
    call_command("import_gis", str(path), "--into", "roads", "--replace", stdout=io.StringIO())
    assert RoadEdge.objects.filter(name="一号路").count() == one.count()
    assert RoadEdge.objects.filter(origin="test").exists()
