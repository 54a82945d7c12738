"""Toxic releases modelled for an incident: the model, the link, the timeline entry and the event."""

from __future__ import annotations

from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils.translation import gettext as _

import stream
from core.errors import DomainError
from hazards import events as hazard_events
from hazards import services as hazard_services
from hazards.models import Release
from incidents import events
from incidents.models import (
    Assignment,
    Incident,
    IncidentRelease,
)
from incidents.services.timeline import _timeline
from resources.models import Resource

# --- toxic releases modelled for an incident ------------------------------------------

@transaction.atomic
def incident_release_model(*, user, incident: int | None = None, location: Point | None = None,
                           exercise: bool = False, **release) -> Release:
    """Model a toxic release (hazards.services.release_model), for an incident when one is given.

    The incident gives the release point when none is given, makes the release an exercise
    if it is one, and is linked here (IncidentRelease: the incident owns the relation); its
    threat zones are announced with the incident's id. Without an incident this is
    release_model itself.
    """
    if incident is None:
        return hazard_services.release_model(user=user, location=location, exercise=exercise, **release)
    found = Incident.objects.filter(pk=incident).only("pk", "location", "exercise").first()
    if found is None:
        raise DomainError(_("Unknown incident %(id)s.") % {"id": incident})
    modelled = hazard_services.release_model(user=user, location=location or found.location,
                                             exercise=exercise or found.exercise, announce=False, **release)
    IncidentRelease.objects.create(incident=found, release=modelled)
    for zone in modelled.zones.order_by("pk"):
        stream.publish(hazard_events.ZONE_CREATED, zone, modelled, found.pk)
    _release_reaches_the_incident(user, found, modelled)
    return modelled


def _release_reaches_the_incident(user, incident: Incident, release: Release) -> None:
    """The model's result is the incident's (issue 22, point 2): a timeline entry with the wind,
    the zones, the threatened targets and the units standing inside a zone, and an event that
    reaches the incident's units (their phones show wind, approach and zone distances)."""
    from incidents.selectors import release_brief, units_in_zones

    brief = release_brief(release)
    active = list(Assignment.objects.filter(incident=incident, status__in=Assignment.ACTIVE_STATUSES)
                  .values_list("resource_id", flat=True))
    inside = units_in_zones(release=release)
    names = dict(Resource.objects.filter(pk__in=inside).values_list("pk", "name"))
    zones = ", ".join(_("%(level)s %(km).1f km") % {"level": z["level"], "km": z["distance_m"] / 1000}
                      for z in brief["zones"])
    text = _("Toxic release modelled: %(chemical)s %(rate)s kg/s, wind from %(dir)s (%(deg)s°) at %(speed)s m/s, "
             "class %(stab)s; approach from the %(dir)s (upwind). Zones downwind: %(zones)s.") % {
        "chemical": release.chemical.name, "rate": f"{release.rate_kg_s:g}", "dir": brief["wind_from"],
        "deg": brief["wind_from_deg"], "speed": f"{release.wind_speed_ms:g}", "stab": release.stability,
        "zones": zones or "—"}
    threatened = [_("%(name)s (%(kind)s, %(people)s people, %(level)s)") % {
        "name": t["name"], "kind": _target_kind(t.get("kind")), "people": t.get("population", 0), "level": z["level"]}
        for z in brief["zones"] for t in z["targets"]]
    if threatened:
        text += " " + _("Threatened: %(list)s.") % {"list": "; ".join(threatened)}
    if inside:
        text += " " + _("Units inside a zone: %(list)s.") % {"list": "; ".join(
            f"{names.get(rid, rid)} ({level})" for rid, level in sorted(inside.items()))}
    _timeline(incident, user, "release", text, release=release.pk,
              targets=[t["id"] for z in brief["zones"] for t in z["targets"]],
              units_inside={str(k): v for k, v in inside.items()})
    stream.publish(events.RELEASE_LINKED, incident, release, active)


def _target_kind(kind) -> str:
    from hazards.models import SensitiveTarget

    try:
        return str(SensitiveTarget.Kind(kind).label)
    except ValueError:
        return kind or ""
