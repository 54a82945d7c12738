"""Recommendations among more units than one round reads (issue 24.10): the rounds whose routing
search is bounded in time (roads.routing.etas `within_s`, incidents.selectors._fastest) give the
units a search of every unit on the whole network ranks first, with the same ETAs: for one
capability, and for a run card's two needs that share units (a unit fills one need only); and
the bound that stops the rounds is no looser than it may be (a far unit on a fast road still
comes first).

The network: a 12 × 12 street grid around the incident (≈ 200 m blocks, road classes mixed,
every fourth east-west street one-way); 120 units spread over it, some reporting fresh
positions elsewhere, some stale ones (their depot counts), some busy."""

import datetime as dt
import random

import pytest
from django.contrib.gis.geos import LineString, Point
from django.utils import timezone

from incidents import selectors, services
from incidents.models import RunCard, RunCardNeed
from resources.models import Resource
from resources.services import fresh_since
from roads import routing
from roads.services import EdgeInput, edges_import
from tests.incidents.conftest import LAT, LON

pytestmark = pytest.mark.django_db

SIDE, STEP = 12, 0.002
WEST, SOUTH = LON - 0.011, LAT - 0.011
CLASSES = ["primary", "secondary", "tertiary", "residential"]


def _grid():
    lines = []
    for i in range(SIDE):
        for j in range(SIDE):
            x, y = WEST + i * STEP, SOUTH + j * STEP
            if i + 1 < SIDE:  # east-west
                lines.append(EdgeInput(LineString([(x, y), (x + STEP, y)], srid=4326),
                                       road_class=CLASSES[(i + j) % 4], oneway=(j % 4 == 1)))
            if j + 1 < SIDE:  # north-south, both ways
                lines.append(EdgeInput(LineString([(x, y), (x, y + STEP)], srid=4326), road_class=CLASSES[(i + j) % 4]))
    edges_import(lines=lines, origin="test")


def _somewhere(rng):
    span = (SIDE - 1) * STEP
    return WEST + rng.random() * span, SOUTH + rng.random() * span


def _units(make_unit, rng):
    now = timezone.now()
    for n in range(120):
        lon, lat = _somewhere(rng)
        caps, kind = [(["fire_suppression"], "fire_engine"), (["fire_suppression", "rescue"], "fire_engine"),
                      (["rescue"], "rescue_team")][n % 3]
        unit = make_unit(f"U{n:03}", lon=lon, lat=lat, caps=caps, kind=kind,
                         status="dispatched" if n % 11 == 5 else "available")
        if n % 5 in (1, 2):  # reporting: fresh (30 s) or stale (5 minutes) positions elsewhere on the grid
            plon, plat = _somewhere(rng)
            Resource.objects.filter(pk=unit.pk).update(
                position=Point(plon, plat, srid=4326), position_at=now - dt.timedelta(seconds=30 if n % 5 == 1 else 300))


def _every_unit_ranked(incident, groups):
    """What the recommendation must answer, by brute force: every free unit that fits (each from
    where it is, as _nearest reads it) timed on the whole network, ranked, a unit for one group."""
    taken, answer = set(), []
    for caps, n in groups:
        every = selectors._nearest(incident=incident, needed=caps, limit=100_000, fresh=fresh_since())
        etas = routing.etas(every, incident.location)
        assert all(e.basis == "road" and e.connected for e in etas)
        ranked = sorted((e.duration_s, c.distance_m, c.pk) for c, e in zip(every, etas, strict=True))
        chosen = [r for r in ranked if r[2] not in taken][:n]
        taken |= {r[2] for r in chosen}
        answer.append([(pk, eta) for eta, _d, pk in chosen])
    return answer


@pytest.fixture
def bounded_calls(monkeypatch):
    """How many routing searches were bounded in time (the path under test, not a stand-in)."""
    calls = []
    real = routing._etas_within

    def counted(*args, **kwargs):
        calls.append(kwargs["within_s"])
        return real(*args, **kwargs)

    monkeypatch.setattr(routing, "_etas_within", counted)
    return calls


def _incidents(incident, duty_officer, rng):
    more = [services.incident_log(actor=duty_officer, type_code="fire", severity="III", lon=lon, lat=lat, title="起火")
            for lon, lat in (_somewhere(rng) for _ in range(5))]
    return [incident, *more]


def test_the_fastest_of_many_units_are_those_of_a_search_of_them_all(incident, make_unit, duty_officer,
                                                                     bounded_calls):
    rng = random.Random(2410)
    _grid()
    _units(make_unit, rng)
    for inc in _incidents(incident, duty_officer, rng):
        recs = selectors.units_recommend(incident=inc, limit=5, capability="fire_suppression")
        [expected] = _every_unit_ranked(inc, [(["fire_suppression"], 5)])
        assert [(r.resource.pk, r.eta_s) for r in recs] == expected
        assert all(r.eta_basis == "road" for r in recs)
    assert bounded_calls  # more units than a round reads: the rounds were bounded


def test_a_run_cards_needs_share_no_unit_and_each_gets_its_fastest(incident, make_unit, duty_officer, fire_type,
                                                                   bounded_calls):
    rng = random.Random(2411)
    _grid()
    _units(make_unit, rng)
    card = RunCard.objects.create(incident_type=fire_type, severity="")
    RunCardNeed.objects.create(run_card=card, capability="fire_suppression", count=2, position=0)
    RunCardNeed.objects.create(run_card=card, capability="rescue", count=2, position=1)
    for inc in _incidents(incident, duty_officer, rng):
        recs = selectors.units_recommend(incident=inc)
        fire, rescue = _every_unit_ranked(inc, [(["fire_suppression"], 2), (["rescue"], 2)])
        assert sorted((r.need, r.resource.pk, r.eta_s) for r in recs) == sorted(
            [("fire_suppression", pk, eta) for pk, eta in fire] + [("rescue", pk, eta) for pk, eta in rescue])
    assert bounded_calls


def test_a_far_unit_on_a_fast_road_beats_many_near_ones_behind_a_slow_bridge(incident, make_unit, bounded_calls):
    """The bound is tight enough to stop and no looser: thirty units over the water, 1.1–1.7 km
    away, need the bridge (≈ 170–260 s); one 2.5 km west on the incident's primary road needs
    ≈ 150 s. The first round reads 24 of the thirty; the soonest any unit beyond them could come
    (≈ 93 s) is below every ETA read, so the next round reads on and finds the far one. A bound
    three times looser (≈ 280 s) would have stopped at the nearest over the water."""
    edges_import(lines=[
        EdgeInput(LineString([(LON - 0.03, LAT), (LON + 0.003, LAT), (LON + 0.01, LAT)], srid=4326),
                  name="南岸路", road_class="primary"),
        EdgeInput(LineString([(LON - 0.015, LAT + 0.01), (LON + 0.003, LAT + 0.01)], srid=4326), name="北岸路",
                  road_class="tertiary"),
        EdgeInput(LineString([(LON + 0.003, LAT), (LON + 0.003, LAT + 0.01)], srid=4326), name="桥",
                  road_class="tertiary"),
    ], origin="test")
    for i in range(30):
        make_unit(f"N{i:02}", lon=LON - 0.012 + i * 0.010 / 29, lat=LAT + 0.01)
    make_unit("BANK", lon=LON - 0.024, lat=LAT)
    [first] = selectors.units_recommend(incident=incident, limit=1, capability="fire_suppression")
    assert first.resource.code == "BANK" and first.eta_basis == "road" and 140 < first.eta_s < 165
    nearest_over_water = min(r.eta_s for r in selectors.units_recommend(incident=incident, limit=31)
                             if r.resource.code != "BANK")
    assert 165 < nearest_over_water < 3 * bounded_calls[0]  # a looser bound would have stopped at it
