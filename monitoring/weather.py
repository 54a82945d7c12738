"""The park's weather masts (气象站) as monitoring points, read for the release model.

A mast is the group of points whose codes share a prefix before the last "-": WX01-WS (wind
speed, m/s), WX01-WD (direction the wind blows from, degrees), WX01-TA (air temperature, °C),
WX01-SR (global solar radiation, W/m²), WX01-CL (cloud cover, okta). Their readings arrive like
any other point's (MQTT or HTTP), so a mast needs no interface of its own.

Stability class: by day from solar radiation, by night from cloud cover (docs/domain.md, NOAA READY
table). Radiation bands as the US EPA's solar-radiation/delta-T method reads insolation
(Meteorological Monitoring Guidance for Regulatory Modeling Applications, EPA-454/R-99-005,
§6.4.4.2): ≥ 925 W/m² strong, 675–925 moderate, 175–675 slight, below 175 by day overcast
(class D). Night is radiation under 10 W/m² (the sun below the horizon; dusk and dawn read
higher). A night without a cloud sensor leaves the class to the person modelling.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.utils import timezone

from monitoring.models import MonitoringPoint, PointKind

STALE_AFTER_S = 600  # "a mast older than 10 min says so" (issue 27)
NIGHT_BELOW_W_M2 = 10.0
INSOLATION_BANDS = [(925.0, "strong"), (675.0, "moderate"), (175.0, "slight")]

_ROLE = {PointKind.WIND_SPEED: "wind_speed_ms", PointKind.WIND_DIRECTION: "wind_from_deg",
         PointKind.AIR_TEMPERATURE: "air_temperature_c", PointKind.SOLAR_RADIATION: "solar_radiation_w_m2",
         PointKind.CLOUD_COVER: "cloud_okta"}
WEATHER_KINDS = list(_ROLE)


def mast_code(point_code: str) -> str:
    return point_code.rsplit("-", 1)[0]


def masts(*, now=None) -> list[dict]:
    """Every mast's latest observation, freshest wind first."""
    now = now or timezone.now()
    grouped: dict[str, dict] = {}
    for point in MonitoringPoint.objects.filter(kind__in=WEATHER_KINDS).order_by("code"):
        mast = grouped.setdefault(mast_code(point.code), {
            "mast": mast_code(point.code), "name": "", "location": None, "at": None, "points": {},
            **{key: None for key in _ROLE.values()}})
        key = _ROLE[point.kind]
        mast["points"][key] = point.code
        if point.kind == PointKind.WIND_SPEED:
            mast["name"] = point.name.rsplit(" ", 1)[0] if " " in point.name else point.name
            mast["location"] = (point.location.x, point.location.y)
        if point.last_ts is None or point.last_value is None or point.state in ("offline", "fault"):
            continue
        mast[key] = point.last_value
        if point.kind in (PointKind.WIND_SPEED, PointKind.WIND_DIRECTION):
            # The wind is as old as the older of its two readings.
            mast["at"] = point.last_ts if mast["at"] is None else min(mast["at"], point.last_ts)
    result = []
    for mast in grouped.values():
        if mast["location"] is None:
            continue  # a mast without a wind speed point is not a wind source
        if mast["wind_speed_ms"] is None or mast["wind_from_deg"] is None:
            mast["at"] = None
        mast["age_s"] = None if mast["at"] is None else max(0, round((now - mast["at"]).total_seconds()))
        mast["stale"] = mast["at"] is None or mast["age_s"] > STALE_AFTER_S
        mast.update(_stability_inputs(mast))
        result.append(mast)
    result.sort(key=lambda m: (m["at"] is None, -(m["at"].timestamp() if m["at"] else 0)))
    return result


def latest(*, near: tuple[float, float] | None = None) -> dict | None:
    """The mast to use: among those with a fresh wind the nearest to `near` (else the freshest);
    when none is fresh, the freshest stale one, so the caller can say how old it is."""
    found = masts()
    if not found:
        return None
    fresh = [m for m in found if not m["stale"]]
    if fresh and near is not None:
        return min(fresh, key=lambda m: _distance_m(near, m["location"]))
    return (fresh or found)[0]


def _stability_inputs(mast: dict) -> dict:
    from hazards import plume

    speed, radiation, cloud = mast["wind_speed_ms"], mast["solar_radiation_w_m2"], mast["cloud_okta"]
    daytime = insolation = okta = stability = None
    if radiation is not None:
        daytime = radiation >= NIGHT_BELOW_W_M2
        if daytime:
            insolation = next((name for floor, name in INSOLATION_BANDS if radiation >= floor), "overcast")
    if cloud is not None and 0 <= cloud <= 8:
        okta = int(round(cloud))
        if daytime and okta == 8:
            insolation = "overcast"
    if speed is not None and speed >= plume.MIN_WIND_MS:
        if daytime:
            stability = plume.stability_class(wind_speed_ms=speed, daytime=True, insolation=insolation)
        elif daytime is False and okta is not None:
            stability = plume.stability_class(wind_speed_ms=speed, daytime=False, cloud_okta=okta)
    return {"daytime": daytime, "insolation": insolation, "cloud_okta": okta, "stability": stability}


def _distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat = math.radians((a[1] + b[1]) / 2)
    return math.hypot((a[0] - b[0]) * math.cos(lat), a[1] - b[1]) * 111_195.0


def as_json(mast: dict | None) -> dict | None:
    """The observation for a page or an answer: times in ISO 8601, the district's zone."""
    if mast is None:
        return None
    at = mast["at"]
    return {**{k: v for k, v in mast.items() if k not in ("at", "location")},
            "at": timezone.localtime(at).isoformat() if at else None,
            "location": list(mast["location"]) if mast["location"] else None,
            "time_zone": settings.TIME_ZONE}
