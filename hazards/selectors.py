"""Reads of the hazards app that need thought."""

from __future__ import annotations

from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.db.models.functions import Distance
from django.db.models import F, Q
from django.db.models.functions import Cast, Coalesce

from hazards import exposure
from hazards.models import Release, RiskSource, SensitiveTarget, ThreatZone
from resources.models import Resource

SHELTER_LIMIT = 5


def release_exposure(*, release: Release, zones: list[ThreatZone]) -> dict:
    """Who is inside each zone (nearest the source first) and where people can go.

    Intersection is planar in lon/lat, the same geometry the map draws, so a target drawn
    inside a zone is listed inside it.
    """
    result = {"zones": [], "shelters": []}
    for zone in zones:
        targets = (
            SensitiveTarget.objects.annotate(geom=Cast("location", GeometryField(srid=4326)),
                                             distance=Distance("location", release.location))
            .filter(geom__intersects=zone.boundary)
            .order_by("distance", "code")
        )
        rows = [_target_row(t) for t in targets]
        result["zones"].append({"id": zone.pk, "level": zone.level, "targets": rows,
                                "people": sum(r["population"] for r in rows),
                                **exposure.measured(zone.boundary)})
    result["shelters"] = shelters_outside(release=release, zones=zones)
    return result


def people_inside(result: dict) -> int:
    """People inside a release's zones, each target counted once (in its worst zone): the
    zones are nested, so summing the zones' own counts counted a school inside AEGL-3 three
    times (issue 22.9: 8,900 where 7,700 were inside)."""
    seen: dict = {}
    for zone in (result or {}).get("zones", []):
        for target in zone.get("targets", []):
            seen.setdefault(target.get("id", target.get("code")), target.get("population") or 0)
    return sum(seen.values())


def shelters_outside(*, release: Release, zones: list[ThreatZone], limit: int = SHELTER_LIMIT) -> list[dict]:
    """Open shelters with free places that lie outside every threat zone, nearest first."""
    shelters = (
        Resource.objects.filter(kind=Resource.Kind.SHELTER)
        .exclude(status=Resource.Status.OUT_OF_SERVICE)
        .annotate(free=F("capacity") - Coalesce("occupancy", 0),
                  geom=Cast("location", GeometryField(srid=4326)),
                  distance=Distance("location", release.location))
        .filter(free__gt=0)
    )
    outside = Q()
    for zone in zones:
        outside &= ~Q(geom__intersects=zone.boundary)
    shelters = shelters.filter(outside).order_by("distance", "code")[:limit]
    return [{"id": s.pk, "code": s.code, "name": s.name, "capacity": s.capacity, "free": s.free,
             "distance_m": round(s.distance.m, 1)} for s in shelters]


def risk_sources_graded():
    return (RiskSource.objects.select_related("enterprise")
            .prefetch_related("stored__chemical").order_by("grade", "code"))


def _target_row(target: SensitiveTarget) -> dict:
    return {"id": target.pk, "code": target.code, "name": target.name, "name_en": target.name_en,
            "kind": target.kind, "population": target.population, "distance_m": round(target.distance.m, 1)}


def risk_sources_with_release_chemicals(chemicals):
    """Risk sources, each with the CAS numbers of what it stores that the model can release:
    choosing a source picks its chemical, and a source with several asks which (issue 13, 10)."""
    modelled = {c.pk: c.cas for c in chemicals}
    sources = list(RiskSource.objects.order_by("code").prefetch_related("stored"))
    for source in sources:
        source.release_cas = [modelled[s.chemical_id] for s in source.stored.all() if s.chemical_id in modelled]
    return sources
