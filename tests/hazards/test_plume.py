"""The plume against numbers worked out by hand from docs/domain.md's formulas.

Each reference value below was computed on paper/calculator, step by step as written, not by
calling hazards.plume; the tests then check the module reproduces them.
"""

import math

import pytest

from hazards import plume

CHLORINE_MW = 70.90
AMMONIA_MW = 17.03


def test_briggs_rural_d_at_1000_m():
    # σy = 0.08·1000·(1 + 1e-4·1000)^-0.5 = 80 / √1.1 = 80 / 1.0488088 = 76.27701 m
    # σz = 0.06·1000·(1 + 0.0015·1000)^-0.5 = 60 / √2.5 = 60 / 1.5811388 = 37.94733 m
    assert plume.sigma_y(1000, "D") == pytest.approx(76.27701, abs=1e-4)
    assert plume.sigma_z(1000, "D") == pytest.approx(37.94733, abs=1e-4)


def test_briggs_rural_f_and_urban_d():
    # Rural F at 500 m: σy = 0.04·500 / √1.05 = 20 / 1.0246951 = 19.51800;
    #                   σz = 0.016·500 / (1 + 0.0003·500) = 8 / 1.15 = 6.956522
    assert plume.sigma_y(500, "F") == pytest.approx(19.51800, abs=1e-4)
    assert plume.sigma_z(500, "F") == pytest.approx(6.956522, abs=1e-5)
    # Urban D at 1000 m: σy = 0.16·1000 / √1.4 = 160 / 1.1832160 = 135.2247;
    #                    σz = 0.14·1000 / √1.3 = 140 / 1.1401754 = 122.7881
    assert plume.sigma_y(1000, "D", "urban") == pytest.approx(135.2247, abs=1e-3)
    assert plume.sigma_z(1000, "D", "urban") == pytest.approx(122.7881, abs=1e-3)


def test_centreline_chlorine_1_kg_s_class_d_2_m_s_at_1000_m():
    # C = Q / (π u σy σz) = 1 / (π · 2 · 76.27701 · 37.94733)
    #   = 1 / (π · 2 · 2894.509) = 1 / 18186.7 = 5.49851e-5 kg/m³ = 54.9851 mg/m³
    # ppm = mg/m³ · 24.45 / MW = 54.9851 · 24.45 / 70.90 = 18.9617 ppm
    ppm = plume.centreline_ppm(1000, rate_kg_s=1, wind_speed_ms=2, stability="D", molecular_weight=CHLORINE_MW)
    assert ppm == pytest.approx(18.9617, abs=1e-3)


def test_centreline_ammonia_10_kg_s_class_b_5_m_s_at_200_m():
    # σy = 0.16·200 / √1.02 = 32 / 1.0099505 = 31.68472; σz = 0.12·200 = 24
    # C = 10 / (π · 5 · 31.68472 · 24) = 10 / 11944.8 = 8.37180e-4 kg/m³ = 837.180 mg/m³
    # ppm = 837.180 · 24.45 / 17.03 = 1201.94 ppm (above ammonia's AEGL-3 of 1100)
    ppm = plume.centreline_ppm(200, rate_kg_s=10, wind_speed_ms=5, stability="B", molecular_weight=AMMONIA_MW)
    assert ppm == pytest.approx(1201.94, abs=0.05)


def test_reach_is_where_the_centreline_meets_the_level():
    # From the case above, 18.9617 ppm is reached exactly 1000 m downwind.
    params = {"rate_kg_s": 1, "wind_speed_ms": 2, "stability": "D", "molecular_weight": CHLORINE_MW}
    distance, capped = plume.reach_m(18.9617, **params)
    assert distance == pytest.approx(1000, abs=0.5)
    assert capped is False
    # Chlorine AEGL-3 (20 ppm) is above 18.96 at 1000 m, so its reach ends a little short of it.
    assert 900 < plume.reach_m(20, **params)[0] < 1000


def test_half_width_at_500_m():
    # At 500 m, class D: σy = 40/√1.05 = 39.03600, σz = 30/√1.75 = 22.67787
    # σy·σz = 885.2533; C = 1/(π·2·885.2533) = 1/5562.2 = 1.79784e-4 kg/m³ = 179.784 mg/m³
    # → 179.784·24.45/70.90 = 61.9991 ppm on the centreline
    # half-width for 20 ppm: σy·√(2·ln(61.9991/20)) = 39.03600·√(2·1.131387) = 39.036·1.504252 = 58.720 m
    width = plume.half_width_m(500, 20, rate_kg_s=1, wind_speed_ms=2, stability="D", molecular_weight=CHLORINE_MW)
    assert width == pytest.approx(58.720, abs=0.01)
    # Beyond the reach the concentration is below the level: no width.
    assert plume.half_width_m(2000, 20, rate_kg_s=1, wind_speed_ms=2, stability="D",
                              molecular_weight=CHLORINE_MW) == 0


@pytest.mark.parametrize(("wind", "daytime", "insolation", "okta", "expected"), [
    (1.5, True, "strong", None, "A"),
    (1.5, True, "moderate", None, "B"),  # A–B: the more stable letter
    (2.5, True, "slight", None, "C"),
    (4.0, True, "moderate", None, "C"),  # B–C
    (5.5, True, "moderate", None, "D"),  # C–D
    (7.0, True, "strong", None, "C"),
    (1.0, False, None, 2, "F"),
    (2.5, False, None, 5, "E"),
    (4.0, False, None, 3, "E"),
    (4.0, False, None, 6, "D"),
    (1.0, False, None, 8, "D"),  # overcast night
    (1.0, True, "overcast", None, "D"),
])
def test_stability_table(wind, daytime, insolation, okta, expected):
    assert plume.stability_class(wind_speed_ms=wind, daytime=daytime, insolation=insolation,
                                 cloud_okta=okta) == expected


def test_zone_polygon_points_downwind_closed_and_counter_clockwise():
    # Wind from the east (90°) carries the plume west: the tip lies due west of the source.
    zone = plume.threat_zone(level="AEGL-3", threshold_ppm=20, lon=113.66, lat=22.65, wind_from_deg=90,
                             rate_kg_s=1, wind_speed_ms=2, stability="D", molecular_weight=CHLORINE_MW)
    ring = zone.ring
    assert ring[0] == ring[-1] == (113.66, 22.65)
    assert plume._signed_area(ring) > 0  # RFC 7946 exterior ring: counter-clockwise
    tip = min(ring, key=lambda p: p[0])
    assert tip[1] == pytest.approx(22.65, abs=1e-6)
    # Back from degrees to metres: Δlon · (π/180) · R · cos(lat)
    metres_west = (113.66 - tip[0]) * math.pi / 180 * plume.EARTH_RADIUS_M * math.cos(math.radians(22.65))
    assert metres_west == pytest.approx(zone.distance_m, rel=1e-3)
    assert max(lat for _lon, lat in ring) > 22.65 > min(lat for _lon, lat in ring)


def test_a_level_never_reached_gives_no_zone():
    assert plume.threat_zone(level="AEGL-3", threshold_ppm=1e9, lon=113.66, lat=22.65, wind_from_deg=0,
                             rate_kg_s=0.001, wind_speed_ms=5, stability="A", molecular_weight=CHLORINE_MW) is None


def test_limits_name_dense_gas_near_and_far_field():
    notes = plume.limits(dense_gas=True, distances_m=[60, 4000, 12000], wind_speed_ms=2, duration_s=600,
                         capped=False)
    # 12000 m / 2 m/s = 6000 s of travel, longer than a 600 s release.
    assert notes == ["model", "dense_gas", "under_100m", "beyond_10km", "short_release"]
    assert plume.limits(dense_gas=False, distances_m=[500], wind_speed_ms=3, duration_s=None,
                        capped=False) == ["model"]
