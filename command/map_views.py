"""The console map (应急指挥调度一张图): every layer on one Leaflet map, live."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
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

SEVERITY = [("I", "#d7191c", _("Ⅰ Extremely serious")), ("II", "#f07c00", _("Ⅱ Serious")),
            ("III", "#f5c400", _("Ⅲ Major")), ("IV", "#2b83ba", _("Ⅳ General"))]
RESOURCE_STATUS = [("available", "#1a9850", _("Available")), ("dispatched", "#f07c00", _("Dispatched")),
                   ("en_route", "#2b83ba", _("En route")), ("on_scene", "#d7191c", _("On scene")),
                   ("out_of_service", "#8c8c8c", _("Out of service"))]
GRADES = [("1", "#b2182b", _("Grade 1 (一级)")), ("2", "#ef8a62", _("Grade 2 (二级)")),
          ("3", "#f6d55c", _("Grade 3 (三级)")), ("4", "#67a9cf", _("Grade 4 (四级)")),
          ("", "#999999", _("Not a major hazard source"))]
TARGET_KINDS = [("school", "#7b3294", _("School")), ("hospital", "#e7298a", _("Hospital")),
                ("care_home", "#c2a5cf", _("Care home")), ("residential", "#a6611a", _("Residential area")),
                ("other", "#666666", _("Other"))]
ZONE_KINDS = [("flood", "#4393c3", _("Flood")), ("storm_surge", "#2166ac", _("Storm surge")),
              ("landslide", "#8c510a", _("Landslide")), ("chemical", "#762a83", _("Chemical")),
              ("other", "#999999", _("Other"))]
THREAT_LEVELS = [("3", "#d7191c", _("AEGL-3 / ERPG-3: life-threatening")),
                 ("2", "#f07c00", _("AEGL-2 / ERPG-2: serious, lasting effects")),
                 ("1", "#f5c400", _("AEGL-1 / ERPG-1: notable discomfort"))]

WARNING_LEVELS = [("red", "#d7191c", _("Red")), ("orange", "#f07c00", _("Orange")),
                  ("yellow", "#f5c400", _("Yellow")), ("blue", "#2b83ba", _("Blue"))]

# Monitoring points by state: alarms red (HH, LL) and orange (H, L), offline grey.
POINT_STATES = [("hh", "#d7191c", _("High-high alarm (HH)")), ("ll", "#d7191c", _("Low-low alarm (LL)")),
                ("h", "#f07c00", _("High alarm (H)")), ("l", "#f07c00", _("Low alarm (L)")),
                ("fault", "#6a3d9a", _("Instrument fault")), ("offline", "#8c8c8c", _("Offline")),
                ("normal", "#1a9850", _("Normal"))]
# The four risk colours of the safety ledger (风险四色图); an enterprise not yet assessed is grey.
RISK_COLOURS = [("red", "#d7191c", _("Red: major risk")), ("orange", "#f07c00", _("Orange: high risk")),
                ("yellow", "#f5c400", _("Yellow: moderate risk")), ("blue", "#2b83ba", _("Blue: low risk"))]

GATE_KINDS = [("vehicle", "#1f78b4", _("Vehicle lane")), ("person", "#33a02c", _("Person lane"))]
VEHICLE_STATES = [("", "#1a9850", _("On its route")), ("alarm", "#d7191c", _("Vehicle alarm in force"))]

# (layer name as in the API, label, shown at first, legend key, legend rows)
LAYERS = [
    ("incidents", _("Incidents"), True, "severity", SEVERITY),
    ("resources", _("Resources"), True, "status", RESOURCE_STATUS),
    ("risk-sources", _("Risk sources"), True, "grade", GRADES),
    ("targets", _("Sensitive targets"), False, "kind", TARGET_KINDS),
    ("shelters", _("Shelters"), False, "", [("", "#1a9850", _("Free places")), ("", "#8c8c8c", _("Full"))]),
    ("hazard-zones", _("Hazard zones"), False, "kind", ZONE_KINDS),
    ("areas", _("Towns and sub-districts"), False, "", [("", "#13233a", _("Boundary"))]),
    ("threat-zones", _("Threat zones"), True, "level", THREAT_LEVELS),
    ("alerts", _("Public warnings in force"), True, "level", WARNING_LEVELS),
    ("monitoring-points", _("Monitoring points"), False, "state", POINT_STATES),
    ("work-permits", _("Special work permits in force"), False, "", [("", "#6a3d9a", _("Permit in force"))]),
    ("risk-points", _("Risk points"), False, "colour", RISK_COLOURS),
    ("enterprise-colours", _("Enterprise risk colours"), False, "colour",
     [*RISK_COLOURS, ("", "#8c8c8c", _("Not assessed"))]),
    # Closed park management (park app, issue 24): offered only to the roles the layers admit.
    ("gates", _("Park gates"), False, "kind", GATE_KINDS),
    ("park-presence", _("Who is where in the park"), False, "", [("", "#6a51a3", _("People and vehicles in a zone"))]),
    ("vehicles", _("Hazardous-chemical vehicles"), False, "alarm", VEHICLE_STATES),
]

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
    "permit": _("Special work permit"),
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
    # Only the layers this user may read: a layer whose endpoint answers 403 is not offered.
    readable = [row for row in LAYERS if may_read_layer(request, row[0])]
    context = {
        "layers": [{"name": n, "label": label, "on": on, "key": key,
                    "legend": [{"value": v, "colour": c, "label": lab} for v, c, lab in rows]}
                   for n, label, on, key, rows in readable],
        "map_config": {
            "layers_on": [n for n, _label, on, _k, _r in readable if on],
            "tile_url": settings.MAP_TILE_URL,
            "attribution": settings.MAP_TILE_ATTRIBUTION,
            "center": list(leaflet["DEFAULT_CENTER"]),
            "zoom": leaflet["DEFAULT_ZOOM"],
            "min_zoom": leaflet["MIN_ZOOM"],
            "max_zoom": leaflet["MAX_ZOOM"],
            # Codes in the layers become words in the user's language in the popups (issue 13, 14).
            "labels": _labels(),
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


def _labels() -> dict:
    from alerts.models import Level as AlertLevel
    from hazards.models import HazardZone, SensitiveTarget
    from monitoring.models import PointState
    from park.models import Gate, ParkZone, VehicleAlarm
    from resources.models import Resource
    from safety.models import COLOUR_CHOICES, RiskPoint, WorkPermit

    def words(choices):
        return {value: str(label) for value, label in choices}

    return {"resource_kind": words(Resource.Kind.choices), "resource_status": words(Resource.Status.choices),
            "incident_status": words(Incident.Status.choices), "target_kind": words(SensitiveTarget.Kind.choices),
            "zone_kind": words(HazardZone.Kind.choices),
            "severity": {value: str(label) for value, _colour, label in SEVERITY},
            "point_state": words(PointState.choices), "permit_kind": words(WorkPermit.Kind.choices),
            "permit_grade": words(WorkPermit.Grade.choices), "risk_colour": words(COLOUR_CHOICES),
            "risk_method": words(RiskPoint.Method.choices), "alert_level": words(AlertLevel.choices),
            "gate_kind": words(Gate.Kind.choices), "park_zone_kind": words(ParkZone.Kind.choices),
            "vehicle_alarm": words(VehicleAlarm.Kind.choices)}


# --- the park in three dimensions (三维一张图, issue 27) ----------------------------------------

STRUCTURE_KINDS = [("tank", "#c9ced6", _("Tank")), ("tank_farm", "#8f99a8", _("Tank farm bund")),
                   ("process_unit", "#b89b72", _("Process unit")), ("building", "#e4dccb", _("Building")),
                   ("pipe_rack", "#7a8fa6", _("Pipe rack"))]
# (layer, label, shown at first, legend key, legend rows). Gates and zone counts (the positions
# issue: layers "gates" and "park-presence") appear here by themselves once an app registers them.
LAYERS_3D = [
    ("structures", _("Buildings, tanks and pipe racks"), True, "kind", STRUCTURE_KINDS),
    ("enterprise-colours", _("Enterprise risk colours"), True, "colour",
     [*RISK_COLOURS, ("", "#8c8c8c", _("Not assessed"))]),
    ("risk-sources", _("Risk sources"), True, "grade", GRADES),
    ("monitoring-points", _("Monitoring points"), True, "state", POINT_STATES),
    ("work-permits", _("Special work permits in force"), True, "", [("", "#6a3d9a", _("Permit in force"))]),
    ("threat-zones", _("Threat zones and plume"), True, "level", THREAT_LEVELS),
    ("incidents", _("Incidents"), True, "severity", SEVERITY),
    ("resources", _("Resources"), True, "status", RESOURCE_STATUS),
    ("gates", _("Gates"), True, "", [("", "#13233a", _("Gate"))]),
    ("park-presence", _("People and vehicles per zone"), True, "", [("", "#2b83ba", _("Zone"))]),
]
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

    # may_read_layer is False for a layer nobody serves yet: gates and zone counts wait for their app.
    readable = [row for row in LAYERS_3D if may_read_layer(request, row[0])]
    context = {
        "layers": [{"name": n, "label": label, "on": on, "key": key,
                    "legend": [{"value": v, "colour": c, "label": lab} for v, c, lab in rows]}
                   for n, label, on, key, rows in readable],
        "map_config": {
            "layers_on": [n for n, _label, on, _k, _r in readable if on],
            "view": PARK_VIEW,
            "tileset_url": settings.MAP_3D_TILESET_URL,
            "labels": _labels() | {"structure_kind": {v: str(lab) for v, _c, lab in STRUCTURE_KINDS}},
            "stale_after_s": weather.STALE_AFTER_S,
        },
        "weather": _weather(),
        "tileset_url": settings.MAP_3D_TILESET_URL,
        "stream_since": stream.last_seq(),
        "i18n": {k: str(v) for k, v in I18N_3D.items()},
    }
    return render(request, "command/map3d.html", context)

