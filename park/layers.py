"""The park's map layers (core.layers): `gates`, `park-presence` (each zone with who is in it
now) and `vehicles` (each vehicle's last position and its alarms in force; only the park's and
the command centre's roles see positions, issue 24.11)."""

from core import layers, params
from park.models import Gate
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


layers.register("gates", build=gates, roles=PARK_ROLES, params={"kind": "comma-separated gate kinds (vehicle, person)"},
                doc="The park's gates, with their unacknowledged alarms.")
layers.register("park-presence", build=park_presence, roles=PARK_ROLES,
                doc="The park's zones with the people and vehicles in each now (from the gates' passages).")
layers.register("vehicles", build=vehicles, roles=PARK_ROLES,
                params={"minutes": "only vehicles heard from in the last so many minutes (default 60)"},
                doc="Vehicles' last positions and their alarms in force.")
