"""Reads that need thought: recommendations, duplicates, response metrics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.gis.geos import Point
from django.db import connection
from django.utils import timezone

from incidents.models import Assignment, Incident, IncidentType
from resources.models import Resource

# Average road speed by kind in km/h, and a detour factor from straight line to road
# distance. Rough on purpose: the ETA orders units and sets expectations; it is not routing.
SPEED_KMH = {
    "fire_engine": 40, "ambulance": 50, "rescue_team": 40, "hazmat_unit": 35, "boat": 30,
    "police_car": 55, "medical_team": 40, "engineering": 30,
}
DEFAULT_SPEED_KMH = 35
ROAD_FACTOR = 1.3

DUPLICATE_RADIUS_M = 500
DUPLICATE_WINDOW = timedelta(hours=2)


@dataclass(frozen=True)
class Recommendation:
    resource: Resource
    distance_m: float
    eta_s: int
    matches: tuple[str, ...]


def units_recommend(*, incident: Incident, limit: int = 10, capability: str | None = None) -> list[Recommendation]:
    """The nearest available units that bring at least one capability the incident type needs.

    PostGIS KNN (`<->` on geography, served by the GiST index on location) orders the
    candidates; the filter runs as the index is walked, so the query reads a handful of rows
    however many resources the district has.
    """
    needed = [capability] if capability else list(incident.type.required_capabilities)
    kinds = [str(k) for k in Resource.DISPATCHABLE_KINDS]
    # One query: raw() builds the model instances from the KNN rows, distance included.
    sql = (
        "SELECT *, ST_Distance(location, ST_GeogFromText(%s)) AS distance_m "
        "FROM resources_resource "
        "WHERE status = 'available' AND kind = ANY(%s) "
        + ("AND capabilities && %s::varchar[] " if needed else "")
        + "ORDER BY location <-> ST_GeogFromText(%s) LIMIT %s"
    )
    wkt = f"SRID=4326;POINT({incident.location.x} {incident.location.y})"
    params = [wkt, kinds] + ([needed] if needed else []) + [wkt, int(limit)]
    result = []
    for resource in Resource.objects.raw(sql, params):
        speed = SPEED_KMH.get(resource.kind, DEFAULT_SPEED_KMH)
        eta = int(round(resource.distance_m * ROAD_FACTOR / (speed * 1000 / 3600)))
        matches = tuple(c for c in resource.capabilities if c in needed)
        result.append(Recommendation(resource=resource, distance_m=round(resource.distance_m, 1), eta_s=eta,
                                     matches=matches))
    return result


def incidents_possible_duplicates(*, incident_type: IncidentType, location: Point, at: datetime | None = None,
                                  exclude_id: int | None = None) -> list[Incident]:
    """Open incidents of the same class within 500 m, reported in the last two hours."""
    at = at or timezone.now()
    qs = (Incident.objects.filter(status__in=Incident.OPEN_STATUSES, type__klass=incident_type.klass,
                                  reported_at__gte=at - DUPLICATE_WINDOW,
                                  location__dwithin=(location, DUPLICATE_RADIUS_M))
          .select_related("type").order_by("-reported_at"))
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    return list(qs[:10])


# --- response metrics --------------------------------------------------------------

MILESTONES = ("reported_at", "created_at", "first_dispatch", "first_ack", "first_on_scene", "closed_at")


def incident_milestones(incident: Incident) -> dict:
    """call → logged → first dispatch → first acknowledgement → first on scene → closed."""
    assignments = Assignment.objects.filter(incident=incident)
    from django.db.models import Min

    agg = assignments.aggregate(first_dispatch=Min("created_at"), first_ack=Min("acknowledged_at"),
                                first_on_scene=Min("on_scene_at"))
    times = {"reported_at": incident.reported_at, "created_at": incident.created_at, **agg,
             "closed_at": incident.closed_at}
    steps = []
    previous = None
    for key in MILESTONES:
        value = times[key]
        steps.append({"key": key, "at": value,
                      "since_call_s": (value - incident.reported_at).total_seconds() if value else None,
                      "since_previous_s": (value - previous).total_seconds() if value and previous else None})
        if value:
            previous = value
    return {"times": times, "steps": steps}


METRIC_INTERVALS = [
    ("call_to_logged", "i.created_at - i.reported_at"),
    ("call_to_dispatch", "a.first_dispatch - i.reported_at"),
    ("dispatch_to_ack", "a.first_ack - a.first_dispatch"),
    ("call_to_on_scene", "a.first_on_scene - i.reported_at"),
    ("call_to_closed", "i.closed_at - i.reported_at"),
]


def metrics_summary(*, start: datetime, end: datetime, group_by: str = "type") -> list[dict]:
    """Median and 90th percentile of each interval, in seconds, grouped by type or severity."""
    group_sql = {"type": "t.name_zh", "severity": "i.severity"}[group_by]
    columns = ", ".join(
        f"percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM ({expr}))) AS {name}_p50, "
        f"percentile_cont(0.9) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM ({expr}))) AS {name}_p90"
        for name, expr in METRIC_INTERVALS
    )
    sql = f"""
        WITH a AS (
            SELECT incident_id, MIN(created_at) AS first_dispatch, MIN(acknowledged_at) AS first_ack,
                   MIN(on_scene_at) AS first_on_scene
            FROM incidents_assignment GROUP BY incident_id
        )
        SELECT {group_sql} AS grp, COUNT(*) AS n, {columns}
        FROM incidents_incident i
        JOIN incidents_incidenttype t ON t.id = i.type_id
        LEFT JOIN a ON a.incident_id = i.id
        WHERE i.reported_at >= %s AND i.reported_at < %s
        GROUP BY grp ORDER BY grp
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [start, end])
        names = [c[0] for c in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return rows
