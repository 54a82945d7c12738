"""Gaussian plume threat zones for a continuous ground-level release (docs/domain.md).

Pure functions, no Django: every number here can be checked by hand. Units: metres, seconds,
kg/s, m/s; concentrations in kg/m³ internally and ppm at 25 °C, 1 atm at the edges.

Limits (stated with every result): neutrally buoyant gas, steady wind, flat terrain, Briggs
coefficients fitted for roughly 100 m to 10 km downwind.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

MOLAR_VOLUME_L = 24.45  # litres per mole at 25 °C and 1 atm: mg/m³ = ppm × MW / 24.45
EARTH_RADIUS_M = 6_371_008.8  # mean radius; the zone shapes are far smaller than its error
VALID_MIN_M, VALID_MAX_M = 100.0, 10_000.0  # Briggs fit range
SEARCH_MIN_M, SEARCH_MAX_M = 1.0, 100_000.0
MIN_WIND_MS = 0.5
CLASSES = "ABCDEF"

# NOAA READY stability table; columns: day strong, moderate, slight, night >= 4/8, night <= 3/8.
# Intermediate classes (A–B, …) resolve to the more stable letter: it carries the plume
# further, the protective side for a threat zone.
_WIND_BINS = (2.0, 3.0, 5.0, 6.0)  # upper bounds: < 2, < 3, < 5, <= 6, > 6
_TABLE = (
    ("A", "B", "B", "E", "F"),  # < 2     (day moderate A–B → B)
    ("B", "B", "C", "E", "F"),  # 2–3     (day strong A–B → B)
    ("B", "C", "C", "D", "E"),  # 3–5     (day moderate B–C → C)
    ("C", "D", "D", "D", "D"),  # 5–6     (day moderate C–D → D)
    ("C", "D", "D", "D", "D"),  # > 6
)
_DAY_COLUMNS = {"strong": 0, "moderate": 1, "slight": 2}


def stability_class(*, wind_speed_ms: float, daytime: bool, insolation: str | None = None,
                    cloud_okta: int | None = None) -> str:
    """Pasquill class from wind at 10 m and sky. Overcast (8/8, or insolation "overcast") is D."""
    if daytime:
        if insolation == "overcast":
            return "D"
        if insolation not in _DAY_COLUMNS:
            raise ValueError("insolation must be strong, moderate, slight or overcast")
        column = _DAY_COLUMNS[insolation]
    else:
        if cloud_okta is None or not 0 <= cloud_okta <= 8:
            raise ValueError("cloud_okta must be 0 to 8")
        if cloud_okta == 8:
            return "D"
        column = 3 if cloud_okta >= 4 else 4
    if wind_speed_ms < _WIND_BINS[0]:
        row = 0
    elif wind_speed_ms < _WIND_BINS[1]:
        row = 1
    elif wind_speed_ms < _WIND_BINS[2]:
        row = 2
    elif wind_speed_ms <= _WIND_BINS[3]:
        row = 3
    else:
        row = 4
    return _TABLE[row][column]


def _r(k: float, x: float) -> float:
    return (1.0 + k * x) ** -0.5


def sigma_y(x: float, stability: str, terrain: str = "rural") -> float:
    """Briggs (1973) horizontal dispersion coefficient in metres at x metres downwind."""
    if terrain == "urban":
        a = {"A": 0.32, "B": 0.32, "C": 0.22, "D": 0.16, "E": 0.11, "F": 0.11}[stability]
        return a * x * _r(4e-4, x)
    a = {"A": 0.22, "B": 0.16, "C": 0.11, "D": 0.08, "E": 0.06, "F": 0.04}[stability]
    return a * x * _r(1e-4, x)


def sigma_z(x: float, stability: str, terrain: str = "rural") -> float:
    """Briggs (1973) vertical dispersion coefficient in metres at x metres downwind."""
    if terrain == "urban":
        if stability in "AB":
            return 0.24 * x * (1 + 0.001 * x) ** 0.5
        if stability == "C":
            return 0.20 * x
        if stability == "D":
            return 0.14 * x * (1 + 0.0003 * x) ** -0.5
        return 0.08 * x * (1 + 0.0015 * x) ** -0.5
    return {
        "A": lambda: 0.20 * x,
        "B": lambda: 0.12 * x,
        "C": lambda: 0.08 * x * (1 + 0.0002 * x) ** -0.5,
        "D": lambda: 0.06 * x * (1 + 0.0015 * x) ** -0.5,
        "E": lambda: 0.03 * x / (1 + 0.0003 * x),
        "F": lambda: 0.016 * x / (1 + 0.0003 * x),
    }[stability]()


def ppm_from_kg_m3(c: float, molecular_weight: float) -> float:
    return c * 1e6 * MOLAR_VOLUME_L / molecular_weight


def centreline_ppm(x: float, *, rate_kg_s: float, wind_speed_ms: float, stability: str,
                   molecular_weight: float, terrain: str = "rural") -> float:
    """Ground-level centreline concentration of a ground release: C = Q / (π u σy σz)."""
    c = rate_kg_s / (math.pi * wind_speed_ms * sigma_y(x, stability, terrain) * sigma_z(x, stability, terrain))
    return ppm_from_kg_m3(c, molecular_weight)


@dataclass
class Zone:
    level: str
    threshold_ppm: float
    distance_m: float
    max_half_width_m: float
    ring: list[tuple[float, float]] = field(default_factory=list)  # (lon, lat), closed, counter-clockwise
    capped: bool = False  # reach beyond SEARCH_MAX_M


def reach_m(threshold_ppm: float, **plume) -> tuple[float, bool]:
    """Downwind distance where the centreline falls to the threshold (bisection; C falls with x).

    Returns (distance, capped). Distance 0 means the threshold is never reached.
    """
    if centreline_ppm(SEARCH_MIN_M, **plume) < threshold_ppm:
        return 0.0, False
    if centreline_ppm(SEARCH_MAX_M, **plume) >= threshold_ppm:
        return SEARCH_MAX_M, True
    lo, hi = SEARCH_MIN_M, SEARCH_MAX_M
    # Bisection on log x: 60 halvings pin the reach far below a metre over five decades.
    for _ in range(60):
        mid = math.sqrt(lo * hi)
        if centreline_ppm(mid, **plume) >= threshold_ppm:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2, False


def half_width_m(x: float, threshold_ppm: float, *, stability: str, terrain: str = "rural", **plume) -> float:
    """Cross-wind half-width at x where the concentration equals the threshold: σy·√(2 ln(C/L))."""
    c = centreline_ppm(x, stability=stability, terrain=terrain, **plume)
    if c <= threshold_ppm:
        return 0.0
    return sigma_y(x, stability, terrain) * math.sqrt(2.0 * math.log(c / threshold_ppm))


def threat_zone(*, level: str, threshold_ppm: float, lon: float, lat: float, wind_from_deg: float,
                samples: int = 48, **plume) -> Zone | None:
    """The footprint above `threshold_ppm` as a lon/lat ring, or None when it is never reached."""
    distance, capped = reach_m(threshold_ppm, **plume)
    if distance <= 0:
        return None
    start = min(SEARCH_MIN_M, distance / 10)
    ratio = (distance / start) ** (1.0 / (samples - 1))
    xs = [start * ratio**i for i in range(samples - 1)]  # the tip (width 0) is added below
    widths = [half_width_m(x, threshold_ppm, **plume) for x in xs]
    local = [(0.0, 0.0)] + [(x, -w) for x, w in zip(xs, widths, strict=True)] + [(distance, 0.0)]
    local += [(x, w) for x, w in reversed(list(zip(xs, widths, strict=True)))]
    # Wind *from* θ carries the plume toward θ + 180°.
    downwind = (wind_from_deg + 180.0) % 360.0
    ring = [_offset(lon, lat, downwind, x, y) for x, y in local]
    ring.append(ring[0])
    if _signed_area(ring) < 0:
        ring.reverse()
    return Zone(level=level, threshold_ppm=threshold_ppm, distance_m=distance,
                max_half_width_m=max(widths), ring=ring, capped=capped)


def limits(*, dense_gas: bool, distances_m: list[float], wind_speed_ms: float, duration_s: float | None,
           capped: bool) -> list[str]:
    """Plain statements of where this estimate stops being trustworthy (English keys; the API
    layer translates). Always includes the model's general assumptions."""
    notes = ["model"]
    if dense_gas:
        notes.append("dense_gas")
    if any(0 < d < VALID_MIN_M for d in distances_m):
        notes.append("under_100m")
    if any(d > VALID_MAX_M for d in distances_m):
        notes.append("beyond_10km")
    if capped:
        notes.append("capped")
    if duration_s and distances_m and max(distances_m) / wind_speed_ms > duration_s:
        notes.append("short_release")
    return notes


def _offset(lon: float, lat: float, bearing_deg: float, x: float, y: float) -> tuple[float, float]:
    """The point x metres along `bearing_deg` and y metres to its left, on a sphere."""
    distance = math.hypot(x, y)
    if distance == 0:
        return (lon, lat)
    # y > 0 is to the left of the downwind axis, i.e. a bearing turned anticlockwise.
    bearing = math.radians(bearing_deg) - math.atan2(y, x)
    delta = distance / EARTH_RADIUS_M
    phi1, lam1 = math.radians(lat), math.radians(lon)
    phi2 = math.asin(math.sin(phi1) * math.cos(delta) + math.cos(phi1) * math.sin(delta) * math.cos(bearing))
    lam2 = lam1 + math.atan2(math.sin(bearing) * math.sin(delta) * math.cos(phi1),
                             math.cos(delta) - math.sin(phi1) * math.sin(phi2))
    return (round(math.degrees(lam2), 7), round(math.degrees(phi2), 7))


def _signed_area(ring: list[tuple[float, float]]) -> float:
    """Shoelace: positive when the ring runs counter-clockwise (RFC 7946 exterior ring)."""
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False)) / 2
