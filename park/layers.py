"""The park's map layers (core.layers): `gates`, `park-presence` (each zone with who is in it
now) and `vehicles` (each vehicle's last position and its alarms in force; only the park's and
the command centre's roles see positions, issue 24.11)."""

from django.utils.translation import gettext_lazy as _

from core import layers, params
from park.models import Gate, ParkZone, VehicleAlarm
from park.permissions import PARK_ROLES


def gates(*, query, bbox) -> str:
    kinds = params.parse_choice_list(query.get("kind"), name="kind", choices=Gate.Kind.values)
    return layers.sql_feature_collection(
        table="park_gate t",
        geometry="t.location",
        properties="""json_build_object('code', t.code, 'name', t.name, 'kind', t.kind,
            'zone_inside', t.zone_inside_id, 'zone_outside', t.zone_outside_id,
            'alarms', (SELECT count(*) FROM park_gatealarm a WHERE a.gate_id = t.id AND a.state = 'active'))""",
        where=["t.kind = ANY(%(kind)s)"] if kinds else [], params={"kind": kinds}, bbox=bbox)


def park_presence(*, query, bbox) -> str:
    return layers.sql_feature_collection(
        table="""park_parkzone t
            LEFT JOIN (SELECT zone_id, count(*) FILTER (WHERE kind = 'person') AS people,
                              count(*) FILTER (WHERE kind = 'vehicle') AS vehicles,
                              count(*) FILTER (WHERE kind = 'vehicle' AND hazmat) AS hazmat
                       FROM park_stay GROUP BY zone_id) s ON s.zone_id = t.id
            LEFT JOIN park_zoneadjustment a ON a.zone_id = t.id""",
        geometry="t.area",
        properties="""json_build_object('code', t.code, 'name', t.name, 'kind', t.kind,
            'enterprise', t.enterprise_id, 'capacity', t.capacity, 'hazmat_lot', t.hazmat_lot,
            'people', greatest(0, coalesce(s.people, 0) + coalesce(a.people, 0)),
            'vehicles', greatest(0, coalesce(s.vehicles, 0) + coalesce(a.vehicles, 0)),
            'hazmat_vehicles', greatest(0, coalesce(s.hazmat, 0) + coalesce(a.hazmat_vehicles, 0)))""",
        bbox=bbox)


def vehicles(*, query, bbox) -> str:
    minutes = params.parse_int(query.get("minutes"), name="minutes", minimum=1, maximum=7 * 24 * 60) or 60
    return layers.sql_feature_collection(
        table="(SELECT plate AS id, * FROM park_vehicletrack) t",
        geometry="t.location",
        properties="""json_build_object('plate', t.plate, 'ts', t.ts, 'speed_kmh', t.speed_kmh,
            'stopped_since', t.stopped_since,
            'alarms', (SELECT coalesce(json_agg(a.kind ORDER BY a.kind), '[]'::json) FROM park_vehiclealarm a
                       WHERE a.plate = t.plate AND a.cleared_at IS NULL),
            'track_url', '/api/v1/park/vehicles/' || t.plate || '/track/')""",
        where=["t.ts >= now() - make_interval(mins => %(minutes)s)"], params={"minutes": minutes}, bbox=bbox)


GATE_KINDS = [("vehicle", "#1f78b4", _("Vehicle lane")), ("person", "#33a02c", _("Person lane"))]
VEHICLE_STATES = [("", "#1a9850", _("On its route")), ("alarm", "#d7191c", _("Vehicle alarm in force"))]
MAP_SCRIPT = "park/map_layers.js"

# Closed park management (issue 24): offered only to the roles the layers admit.
layers.register("gates", build=gates, roles=PARK_ROLES, params={"kind": "comma-separated gate kinds (vehicle, person)"},
                doc="The park's gates, with their unacknowledged alarms.",
                label=_("Park gates"), legend=layers.legend("kind", GATE_KINDS), order=140, refresh_on=["gate."],
                script=MAP_SCRIPT, words={"gate_kind": Gate.Kind.choices},
                map3d=layers.View3D(order=90, label=_("Gates"), legend=layers.legend("", [("", "#13233a", _("Gate"))])))
layers.register("park-presence", build=park_presence, roles=PARK_ROLES,
                doc="The park's zones with the people and vehicles in each now (from the gates' passages).",
                label=_("Who is where in the park"), order=150, refresh_on=["gate."], script=MAP_SCRIPT,
                legend=layers.legend("", [("", "#6a51a3", _("People and vehicles in a zone"))]),
                words={"park_zone_kind": ParkZone.Kind.choices},
                map3d=layers.View3D(order=100, label=_("People and vehicles per zone"),
                                    legend=layers.legend("", [("", "#2b83ba", _("Zone"))])))
layers.register("vehicles", build=vehicles, roles=PARK_ROLES,
                params={"minutes": "only vehicles heard from in the last so many minutes (default 60)"},
                doc="Vehicles' last positions and their alarms in force.",
                label=_("Hazardous-chemical vehicles"), legend=layers.legend("alarm", VEHICLE_STATES), order=160,
                refresh_on=["vehicle."], script=MAP_SCRIPT, words={"vehicle_alarm": VehicleAlarm.Kind.choices})
