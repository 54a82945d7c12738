"""The console map (应急指挥调度一张图): every layer on one Leaflet map, live."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import resolve, reverse
from django.utils.translation import gettext_lazy as _

import stream
from core import layers as core_layers
from core.api import role_permission
from core.errors import DomainError
from core.roles import CONSOLE_ROLES, INTAKE_ROLES, SAFETY_SUPERVISOR, has_role
from hazards import selectors as hazards_selectors
from hazards.models import Chemical
from incidents.models import Incident

# Labels the map script needs, translated on the server and handed over through json_script.
I18N = {
    "severity": _("Severity"), "status": _("Status"), "type": _("Type"), "open": _("Open"), "kind": _("Kind"),
    "agency": _("Agency"), "phone": _("Phone"), "enterprise": _("Enterprise"), "installation": _("Installation"),
    "grade": _("GB 18218 grade"), "r_value": _("R value"), "not_major": _("Not a major hazard source"),
    "people500": _("People within 500 m"), "population": _("Population"), "capacity": _("Capacity"),
    "free": _("Free places"), "level": _("Level"), "threshold": _("Threshold (ppm)"),
    "distance": _("Downwind distance (m)"), "chemical": _("Chemical"), "stability": _("Stability class"),
    "targets": _("Sensitive targets inside, nearest first"), "none": _("None"), "people": _("people"),
    "shelters": _("Nearest shelters with free places outside every zone"), "limits": _("Limits of this estimate"),
    "incident": _("Incident"), "release": _("Release"), "failed": _("The request failed. Check the connection and try again."),
    "tiles_offline": _("Base map tiles unavailable: the district is drawn from its own GIS data."),
    "new_zone": _("A threat zone was modelled"), "m": _("m"), "description": _("Description"),
    "headline": _("Headline"), "expires": _("Expires"), "area": _("Area"), "warning": _("Public warning"),
    "bad_point": _("Click the map or enter the release point's longitude and latitude."),
    "state": _("State"), "value": _("Last value"), "time": _("Time"), "risk_source": _("Risk source"),
    "place": _("Place"), "valid_from": _("Valid from"), "valid_to": _("Valid to"), "risk_colour": _("Risk colour"),
    "method": _("Method"), "score": _("Score"), "factors": _("Why this colour"), "point": _("Monitoring point"),
    "permit": _("Special work permit"), "deadline": _("Deadline"),
    "wind": _("Wind"), "mast": _("Weather mast"), "wind_typed": _("typed by hand"),
    "gate": _("Gate"), "gate_alarms": _("Gate alarms in force"), "zone": _("Park zone"),
    "people_in": _("People inside"), "vehicles_in": _("Vehicles inside"),
    "hazmat_in": _("Hazardous-chemical vehicles inside"), "plate": _("Plate"), "speed": _("Speed (km/h)"),
    "vehicle_alarms": _("Alarms in force"), "replay": _("Replay the last two hours' track"),
    "track_empty": _("No positions in the last two hours."), "track_at": _("Position at"),
}


@login_required
def map_page(request):
    if not has_role(request.user, CONSOLE_ROLES):
        raise PermissionDenied
    leaflet = settings.LEAFLET_CONFIG
    chemicals = list(Chemical.objects.exclude(aegl1=None, aegl2=None, aegl3=None, erpg1=None, erpg2=None, erpg3=None))
    offered = _offered(request, core_layers.presented())
    context = {
        "layers": offered,
        "map_config": {
            **_layer_config(offered),
            "tile_url": settings.MAP_TILE_URL,
            "attribution": settings.MAP_TILE_ATTRIBUTION,
            "center": list(leaflet["DEFAULT_CENTER"]),
            "zoom": leaflet["DEFAULT_ZOOM"],
            "min_zoom": leaflet["MIN_ZOOM"],
            "max_zoom": leaflet["MAX_ZOOM"],
        },
        "can_release": has_role(request.user, INTAKE_ROLES),
        "chemicals": chemicals,
        "risk_sources": hazards_selectors.risk_sources_with_release_chemicals(chemicals),
        # The release is linked to an incident chosen by its number, never a typed id (issue 13, 11).
        "open_incidents": Incident.objects.filter(status__in=Incident.OPEN_STATUSES).order_by("-reported_at")[:200],
        "selected_incident": _int_or_none(request.GET.get("incident")),
        "stream_since": stream.last_seq(),
        "i18n": {k: str(v) for k, v in I18N.items()},
        # The release form takes the weather mast's latest wind by default (issue 27).
        "weather": _weather(),
        "no_webgl": request.GET.get("no_webgl") == "1",
    }
    return render(request, "command/map.html", context)


def _weather() -> dict | None:
    from monitoring import weather

    return weather.as_json(weather.latest())


def may_read_layer(request, name: str) -> bool:
    """Whether the endpoint serving layer `name` would admit this user, by asking that endpoint's own
    permission classes (and, for the shell's generic route, the registered layer's roles). Apps such
    as safety serve their layers ahead of the generic route with checks of their own, so the page
    asks whichever view the URL resolves to rather than keeping a second list of roles."""
    match = resolve(reverse("api-layer", args=[name]))
    view_class = getattr(match.func, "cls", None) or getattr(match.func, "view_class", None)
    checks = [permission() for permission in getattr(view_class, "permission_classes", ())]
    if match.url_name == "api-layer":
        try:
            layer = core_layers.get(name)
        except DomainError:  # an unregistered layer is simply not offered
            return False
        checks.append(role_permission(*layer.roles)())
    return all(check.has_permission(request, None) for check in checks)


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _offered(request, entries, *, three_d: bool = False) -> list[dict]:
    """The registered layers this user may read, as the map page lists them (label, legend, shown
    at first). A layer whose endpoint would answer 403 is not offered."""
    offered = []
    for entry in entries:
        if not may_read_layer(request, entry.name):
            continue
        view = entry.map3d if three_d else None
        legend = view.legend if view and view.legend is not None else entry.legend
        offered.append({
            "name": entry.name, "label": view.label if view and view.label is not None else entry.label,
            "on": view.shown if view else entry.shown, "key": legend.key,
            "legend": [{"value": v, "colour": c, "label": label} for v, c, label in legend.rows],
            "entry": entry,
        })
    return offered


def _layer_config(offered: list[dict]) -> dict:
    """What the map scripts need of the offered layers: which are on at first, each layer's drawing
    module (a static URL) and refresh events, and the code words of their popups."""
    labels: dict[str, dict[str, str]] = {}
    for row in offered:
        for group, words in row["entry"].words.items():
            labels.setdefault(group, {}).update({str(code): str(word) for code, word in words.items()})
    return {
        "layers_on": [row["name"] for row in offered if row["on"]],
        "layers": [{"name": row["name"], "script": static(row["entry"].script) if row["entry"].script else "",
                    "refresh_on": list(row["entry"].refresh_on)} for row in offered],
        # Codes in the layers become words in the user's language in the popups (issue 13, 14).
        "labels": labels,
    }


# --- the park in three dimensions (三维一张图, issue 27) ----------------------------------------

# The park (南港化工园区) seen from the south-west, as a presenter opens it in the command hall.
PARK_VIEW = {"center": [113.6690, 22.6480], "zoom": 15.0, "pitch": 60, "bearing": -20}
MAP_3D_ROLES = CONSOLE_ROLES | {SAFETY_SUPERVISOR}

I18N_3D = {
    **I18N,
    "structure": _("Structure"), "height": _("Height (m)"), "plume": _("Plume"), "wind": _("Wind"),
    "wind_from": _("from"), "mast": _("Weather mast"), "stale": _("Stale: no wind reading for more than 10 minutes"),
    "no_mast": _("No weather mast reports the wind."), "at": _("at"), "ago_min": _("min ago"),
    "stability_class": _("Stability class"), "air_temperature": _("Air temperature"),
    "solar_radiation": _("Solar radiation"), "cloud": _("Cloud cover (okta)"),
    "tileset_failed": _("The real-scene model (3D Tiles) could not be loaded: the park is drawn from its GIS data."),
    "rotate": _("Rotate"), "reset": _("Reset view"), "exercise": "演练 / EXERCISE",
}


@login_required
def map_3d_page(request):
    """The park in three dimensions. Where the browser has no WebGL the page itself sends the
    user to the 2D map (map3d.js), which shows the same layers."""
    if not has_role(request.user, MAP_3D_ROLES):
        raise PermissionDenied
    from monitoring import weather

    offered = _offered(request, core_layers.presented_3d(), three_d=True)
    context = {
        "layers": offered,
        "map_config": {
            **_layer_config(offered),
            "view": PARK_VIEW,
            "tileset_url": settings.MAP_3D_TILESET_URL,
            "stale_after_s": weather.STALE_AFTER_S,
        },
        "weather": _weather(),
        "tileset_url": settings.MAP_3D_TILESET_URL,
        "stream_since": stream.last_seq(),
        "i18n": {k: str(v) for k, v in I18N_3D.items()},
    }
    return render(request, "command/map3d.html", context)

