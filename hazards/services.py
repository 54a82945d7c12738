"""Writes of the hazards app. Each service runs in one transaction and emits its events."""

from __future__ import annotations

from django.contrib.gis.geos import Point, Polygon
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import stream
from core import weather as core_weather
from core.errors import DomainError
from core.roles import INTAKE_ROLES, require_role
from hazards import events, grading, plume, selectors
from hazards.models import Chemical, Release, RiskSource, ThreatZone
from resources.models import Area

# Levels of concern, most severe first: AEGL where published, else the ERPG of the same tier.
TIERS = (("aegl3", "erpg3", "AEGL-3", "ERPG-3"), ("aegl2", "erpg2", "AEGL-2", "ERPG-2"),
         ("aegl1", "erpg1", "AEGL-1", "ERPG-1"))


@transaction.atomic
def risk_source_regrade(*, risk_source: RiskSource) -> RiskSource:
    """Recompute the GB 18218 grading from the stored quantities and keep it on the row."""
    items = [(s.quantity_t, *grading.critical_quantity(s.chemical.critical_quantity_t, s.chemical.beta,
                                                       s.chemical.hazard_class))
             for s in risk_source.stored.select_related("chemical")]
    result = grading.grade(items, risk_source.people_within_500m)
    # Rounded so 4·12/5·1.5 reads 14.4, not 14.399999999999999, in lists and the API.
    risk_source.sum_q_ratio = round(result.sum_q_ratio, 4)
    risk_source.alpha = result.alpha
    risk_source.r_value = round(result.r_value, 4)
    risk_source.is_major = result.is_major
    risk_source.grade = result.grade
    risk_source.save(update_fields=["sum_q_ratio", "alpha", "r_value", "is_major", "grade"])
    return risk_source


@transaction.atomic
def release_model(*, user, chemical: str, wind_speed_ms: float | None = None, wind_from_deg: float | None = None,
                  location: Point | None = None, rate_kg_s: float | None = None,
                  amount_kg: float | None = None, duration_s: float | None = None,
                  stability: str | None = None, daytime: bool | None = None, insolation: str | None = None,
                  cloud_okta: int | None = None, terrain: str = "rural", risk_source: int | None = None,
                  exercise: bool = False, announce: bool = True) -> Release:
    """Model a toxic release, store its threat zones and tell every console.

    The release point is `location`, else the risk source's. A release modelled for an
    incident goes through incidents.services.incident_release_model, which gives the
    incident's point, links the release and announces its zones (announce=False here). A release
    is given either as a rate, or as an amount over a duration (rate = amount / duration).
    Without a wind (neither speed nor direction) the park's weather mast nearest the release
    gives it, with the sky for the stability class when none is given (core.weather, issue 27);
    a mast silent for more than 10 minutes is refused by name and age, never used quietly.
    Bad input raises DomainError(400) before anything is written.
    """
    require_role(user, INTAKE_ROLES, _("Only duty officers, dispatchers and commanders may model a release."))
    chem = Chemical.objects.filter(cas=(chemical or "").strip()).first()
    if chem is None:
        raise DomainError(_("Unknown chemical CAS number “%(cas)s”.") % {"cas": chemical})
    rate = _rate(rate_kg_s, amount_kg, duration_s)
    source_obj = _risk_source(risk_source)
    if location is None and source_obj is not None:
        location = source_obj.location
    wind_source = {"kind": "typed"}
    if wind_speed_ms is None and wind_from_deg is None:
        mast = _mast_wind(location)
        wind_speed_ms, wind_from_deg = mast["wind_speed_ms"], mast["wind_from_deg"]
        if not stability and daytime is None and mast["daytime"] is not None:
            daytime, insolation, cloud_okta = mast["daytime"], mast["insolation"], mast["cloud_okta"]
        wind_source = {"kind": "mast", "mast": mast["mast"], "name": mast["name"],
                       "at": mast["at"].isoformat(), "age_s": mast["age_s"]}
    elif wind_speed_ms is None or wind_from_deg is None:
        raise DomainError(_("Give both the wind speed and its direction, or neither to take the weather "
                            "mast's latest wind."))
    if wind_speed_ms < plume.MIN_WIND_MS:
        raise DomainError(_("Wind under 0.5 m/s is calm air: the Gaussian plume model does not hold there. "
                            "Treat the area around the source as threatened in all directions."))
    if wind_from_deg is None or not 0 <= wind_from_deg <= 360:
        raise DomainError(_("Wind direction must be between 0 and 360 degrees."))
    if terrain not in Release.Terrain.values:
        raise DomainError(_("Terrain must be rural or urban."))
    klass = _stability(stability, wind_speed_ms, daytime, insolation, cloud_okta)
    if location is None:
        raise DomainError(_("Give the release point, an incident or a risk source."))
    if not Area.objects.filter(boundary__intersects=location).exists():
        raise DomainError(_("The release point is outside the district."))

    params = {"rate_kg_s": rate, "wind_speed_ms": wind_speed_ms, "stability": klass,
              "molecular_weight": chem.molecular_weight, "terrain": terrain}
    zones = []
    for aegl, erpg, aegl_name, erpg_name in TIERS:
        threshold, name = (getattr(chem, aegl), aegl_name) if getattr(chem, aegl) else (getattr(chem, erpg), erpg_name)
        if not threshold:
            continue
        zone = plume.threat_zone(level=name, threshold_ppm=threshold, lon=location.x, lat=location.y,
                                 wind_from_deg=wind_from_deg, **params)
        if zone is not None:
            zones.append(zone)
    if not any(getattr(chem, f) for tier in TIERS for f in tier[:2]):
        raise DomainError(_("%(name)s has no AEGL or ERPG values: no threat zone can be drawn.") % {"name": chem})

    release = Release.objects.create(
        chemical=chem, risk_source=source_obj, location=location, rate_kg_s=rate,
        duration_s=duration_s, wind_speed_ms=wind_speed_ms, wind_from_deg=wind_from_deg, stability=klass,
        terrain=terrain, created_by=user,
        exercise=bool(exercise),
        weather={"stability": stability, "daytime": daytime, "insolation": insolation, "cloud_okta": cloud_okta,
                 "wind_source": wind_source},
        warnings=plume.limits(dense_gas=chem.dense_gas, distances_m=[z.distance_m for z in zones],
                              wind_speed_ms=wind_speed_ms, duration_s=duration_s,
                              capped=any(z.capped for z in zones)),
    )
    stored = [ThreatZone.objects.create(release=release, level=z.level, threshold_ppm=z.threshold_ppm,
                                        distance_m=z.distance_m, boundary=Polygon(z.ring, srid=4326))
              for z in zones]
    release.result = selectors.release_exposure(release=release, zones=stored)
    release.save(update_fields=["result"])
    if announce:
        for zone in stored:
            stream.publish(events.ZONE_CREATED, zone, release)
    return release


def zone_payload(zone: ThreatZone, release: Release, incident_id: int | None = None) -> dict:
    return {
        "id": zone.pk,
        "release": release.pk,
        "incident": incident_id,
        "exercise": release.exercise,
        "chemical": {"name": release.chemical.name, "name_en": release.chemical.name_en, "cas": release.chemical.cas},
        "level": zone.level,
        "threshold_ppm": zone.threshold_ppm,
        "distance_m": round(zone.distance_m, 1),
        "geometry": {"type": "Polygon", "coordinates": [list(map(list, zone.boundary.exterior_ring.coords))]},
    }


def _mast_wind(location: Point | None) -> dict:
    mast = core_weather.latest(near=(location.x, location.y) if location is not None else None)
    if mast is None:
        raise DomainError(_("No weather mast reports the wind: type the wind speed and direction."))
    if mast["stale"]:
        if mast["at"] is None:
            raise DomainError(_("Weather mast %(mast)s has no wind reading: type the wind speed and direction.")
                              % {"mast": mast["mast"]})
        raise DomainError(_("The latest wind from weather mast %(mast)s is from %(at)s, more than 10 minutes ago: "
                            "type the wind speed and direction.")
                          % {"mast": mast["mast"], "at": timezone.localtime(mast["at"]).strftime("%Y-%m-%d %H:%M")})
    return mast


def _rate(rate_kg_s, amount_kg, duration_s) -> float:
    if rate_kg_s is None and amount_kg is not None:
        if not duration_s or duration_s <= 0:
            raise DomainError(_("Give the release duration in seconds (above zero) with the amount."))
        rate_kg_s = amount_kg / duration_s
    if rate_kg_s is None:
        raise DomainError(_("Give the release rate in kg/s, or an amount and a duration."))
    if rate_kg_s <= 0:
        raise DomainError(_("The release rate must be above zero."))
    if duration_s is not None and duration_s <= 0:
        raise DomainError(_("The release duration must be above zero."))
    return float(rate_kg_s)


def _stability(stability, wind_speed_ms, daytime, insolation, cloud_okta) -> str:
    if stability:
        if stability not in plume.CLASSES:
            raise DomainError(_("Stability class must be one of A to F."))
        return stability
    if daytime is None:
        raise DomainError(_("Give a stability class (A–F), or day/night with the sky."))
    try:
        return plume.stability_class(wind_speed_ms=wind_speed_ms, daytime=daytime, insolation=insolation,
                                     cloud_okta=cloud_okta)
    except ValueError:
        if daytime:
            raise DomainError(_("By day, give the sunshine: strong, moderate, slight or overcast.")) from None
        raise DomainError(_("By night, give the cloud cover in oktas (0 to 8).")) from None


def _risk_source(risk_source_id) -> RiskSource | None:
    if risk_source_id is None:
        return None
    source = RiskSource.objects.filter(pk=risk_source_id).first()
    if source is None:
        raise DomainError(_("Unknown risk source %(id)s.") % {"id": risk_source_id})
    return source
