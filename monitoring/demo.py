"""Monitoring points on every demo risk source, with limits from the standards. Idempotent.

Tank farms (sources with a footprint) carry level, temperature and pressure transmitters and
two gas detectors per chemical; process units and stores carry one detector per chemical and
a temperature. Limits:
- Toxic gas (GB/T 50493-2019 §5.5: first alarm ≤ 100 % OEL, second ≤ 200 % OEL): OEL from
  GBZ 2.1-2019 in mg/m³ (MAC, else PC-STEL, else PC-TWA) converted to ppm at 25 °C
  (ppm = mg/m³ × 24.45 / M), H rounded down, HH = 2 × H.
- Combustible gas (same §5.5: first ≤ 25 %LEL, second ≤ 50 %LEL): H 20 %LEL, HH 40 %LEL.
- Tank level (AQ 3035-2010 asks for high and low level alarms): LL 5 %, L 10 %, H 85 %, HH 95 %.
- Temperature and pressure: H/HH below the design values of the vessel kind (liquefied gas
  tanks and spheres 1.6–2.2 MPa design; atmospheric benzene tanks a few kPa).
"""

from __future__ import annotations

import math

from django.contrib.gis.geos import Point

from hazards.models import Chemical, RiskSource
from monitoring.models import MonitoringPoint, PointKind

# CAS → occupational exposure limit in mg/m³ (GBZ 2.1-2019) used for the toxic detectors.
OEL_MG_M3 = {
    "7782-50-5": 1.0,  # chlorine, MAC
    "7664-41-7": 30.0,  # ammonia, PC-STEL
    "7783-06-4": 10.0,  # hydrogen sulfide, MAC
    "7446-09-5": 10.0,  # sulfur dioxide, PC-STEL
    "71-43-2": 10.0,  # benzene, PC-STEL
}
FLAMMABLE = {"68476-85-7", "71-43-2"}  # LPG and benzene: combustible-gas detectors
# Vessel conditions per chemical: (pressure range max MPa, H, HH, temperature H, HH °C)
VESSEL = {
    "7782-50-5": (2.5, 1.0, 1.2, 40, 45),  # liquid chlorine tanks, design ≈ 1.6 MPa
    "7664-41-7": (2.5, 1.5, 1.8, 40, 45),  # liquid ammonia tanks, design ≈ 2.16 MPa
    "68476-85-7": (2.5, 1.4, 1.6, 40, 45),  # LPG spheres, design ≈ 1.77 MPa
    "71-43-2": (0.1, 0.004, 0.006, 35, 40),  # benzene, atmospheric/floating roof (MPa g)
}
LIMITS_SOURCE_TOXIC = "GB/T 50493-2019 §5.5; OEL GBZ 2.1-2019"
LIMITS_SOURCE_COMBUSTIBLE = "GB/T 50493-2019 §5.5 (≤25 %LEL / ≤50 %LEL)"
LIMITS_SOURCE_TANK = "AQ 3035-2010; vessel design values"
INTERVAL_S = 5
DELAY_S = 5


def toxic_limits(chemical: Chemical) -> tuple[float, float]:
    ppm = OEL_MG_M3[chemical.cas] * 24.45 / chemical.molecular_weight
    h = _round_down(ppm)
    return h, round(2 * h, 6)


def point_specs(source: RiskSource) -> list[dict]:
    """What a real installation of this kind carries, as field values for MonitoringPoint."""
    stored = sorted(source.stored.select_related("chemical"), key=lambda s: -s.quantity_t)
    if not stored:
        return []
    main = stored[0].chemical
    tank_farm = source.footprint is not None
    lon, lat = source.location.x, source.location.y
    specs = []

    def add(suffix, kind, name, unit, chemical, rng, limits, deadband, source_note, offset=(0.0, 0.0)):
        specs.append({
            "code": f"{source.code}-{suffix}", "name": f"{source.name} {name}", "kind": kind, "unit": unit,
            "chemical": chemical, "range_min": rng[0], "range_max": rng[1],
            "limit_ll": limits[0], "limit_l": limits[1], "limit_h": limits[2], "limit_hh": limits[3],
            "deadband": deadband, "limits_source": source_note,
            "location": Point(lon + offset[0], lat + offset[1], srid=4326)})

    if tank_farm:
        add("LT1", PointKind.LEVEL, "液位 LT-1", "%", main, (0, 100), (5, 10, 85, 95), 1.0, LIMITS_SOURCE_TANK)
        p_max, p_h, p_hh, t_h, t_hh = VESSEL.get(main.cas, (2.5, 1.4, 1.6, 40, 45))
        add("PT1", PointKind.PRESSURE, "压力 PT-1", "MPa", main, (0, p_max), (None, None, p_h, p_hh),
            round(p_h * 0.02, 6), LIMITS_SOURCE_TANK)
        add("TT1", PointKind.TEMPERATURE, "温度 TT-1", "°C", main, (-40, 100), (None, None, t_h, t_hh), 1.0,
            LIMITS_SOURCE_TANK)
    else:
        add("TT1", PointKind.TEMPERATURE, "温度 TT-1", "°C", main, (-40, 150), (None, None, 60, 70), 1.0,
            LIMITS_SOURCE_TANK)
    detectors = 2 if tank_farm else 1
    n = 0
    for held in stored:
        chemical = held.chemical
        for _i in range(detectors):
            n += 1
            angle = 2 * math.pi * n / (detectors * len(stored) + 1)
            offset = (0.0004 * math.cos(angle), 0.0003 * math.sin(angle))
            if chemical.cas in OEL_MG_M3:
                h, hh = toxic_limits(chemical)
                add(f"AT{n}", PointKind.TOXIC_GAS, f"{chemical.name}检测器 AT-{n}", "ppm", chemical,
                    (0, max(hh * 5, 10 * h)), (None, None, h, hh), round(h * 0.1, 6), LIMITS_SOURCE_TOXIC, offset)
            if chemical.cas in FLAMMABLE:
                add(f"GT{n}", PointKind.COMBUSTIBLE_GAS, f"{chemical.name}可燃气体检测器 GT-{n}", "%LEL", chemical,
                    (0, 100), (None, None, 20, 40), 2.0, LIMITS_SOURCE_COMBUSTIBLE,
                    (offset[0] * 1.2, offset[1] * 1.2))
    return specs


# The park's weather mast (园区气象站) on the management committee's roof, 10 m above it
# (monitoring.weather: the points of one mast share the code prefix). No alarm limits: the mast
# feeds the release model, it raises no process alarm.
MAST = ("WX01", "园区气象站 1#", 113.6680, 22.6560)
MAST_POINTS = [  # (suffix, kind, name, unit, range)
    ("WS", PointKind.WIND_SPEED, "风速", "m/s", (0, 60)),
    ("WD", PointKind.WIND_DIRECTION, "风向", "°", (0, 360)),
    ("TA", PointKind.AIR_TEMPERATURE, "气温", "°C", (-30, 50)),
    ("SR", PointKind.SOLAR_RADIATION, "总辐射", "W/m²", (0, 1400)),
    ("CL", PointKind.CLOUD_COVER, "云量", "okta", (0, 8)),
]
MAST_INTERVAL_S = 10


def mast_specs() -> list[dict]:
    code, name, lon, lat = MAST
    return [{"code": f"{code}-{suffix}", "name": f"{name} {label}", "kind": kind, "unit": unit,
             "range_min": rng[0], "range_max": rng[1], "limits_source": "WMO-No. 8 (2018) instruments",
             "location": Point(lon, lat, srid=4326), "delay_s": DELAY_S, "interval_s": MAST_INTERVAL_S}
            for suffix, kind, label, unit, rng in MAST_POINTS]


def load() -> dict:
    created = 0
    for spec in mast_specs():
        _point, was_created = MonitoringPoint.objects.get_or_create(code=spec.pop("code"), defaults=spec)
        created += was_created
    for source in RiskSource.objects.prefetch_related("stored__chemical").order_by("code"):
        for spec in point_specs(source):
            _point, was_created = MonitoringPoint.objects.get_or_create(
                code=spec.pop("code"),
                defaults={**spec, "risk_source": source, "delay_s": DELAY_S, "interval_s": INTERVAL_S})
            created += was_created
    return {"monitoring_points": created}


def _round_down(x: float) -> float:
    """Down to two significant figures: a limit never above the standard's value."""
    if x <= 0:
        return x
    magnitude = 10 ** (math.floor(math.log10(x)) - 1)
    return round(math.floor(x / magnitude) * magnitude, 6)
