"""Reads that need thought: recommendations, duplicates, response metrics."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from core.roles import CONSOLE_ROLES, RESPONDER, has_role
from incidents.models import Assignment, Capability, Incident, IncidentType, RunCard, capability_label
from resources.models import Resource
from resources.services import fresh_since
from roads import routing

# Average road speed by kind in km/h, and a detour factor from straight line to road
# distance: the ETA where there is no road data (roads.routing answers "straight_line").
SPEED_KMH = {
    "fire_engine": 40, "ambulance": 50, "rescue_team": 40, "hazmat_unit": 35, "boat": 30,
    "police_car": 55, "medical_team": 40, "engineering": 30,
}
DEFAULT_SPEED_KMH = 35
ROAD_FACTOR = 1.3

# Where a unit stands (alias r): its reported position while fresher than POSITION_FRESH_S,
# else where it was put. The first %s is resources.services.fresh_since().
UNIT_PLACE = "(CASE WHEN r.position_at > %s THEN r.position ELSE r.location END)"

DUPLICATE_RADIUS_M = 500
DUPLICATE_WINDOW = timedelta(hours=2)


@dataclass(frozen=True)
class Recommendation:
    resource: Resource
    distance_m: float
    eta_s: int
    matches: tuple[str, ...]
    need: str | None = None
    eta_basis: str = "straight_line"  # roads.routing: "road" or "straight_line"
    connected: bool = True  # False: on the road network, but no open road joins it to the incident


@dataclass
class Need:
    """One line of the run card as it stands: asked, filled by units assigned, still missing,
    and the nearest free units that would fill the rest."""

    capability: str
    count: int
    filled: int = 0
    assigned: list = field(default_factory=list)
    recommended: list = field(default_factory=list)

    @property
    def label(self) -> str:
        return capability_label(self.capability)

    @property
    def missing(self) -> int:
        return max(0, self.count - self.filled)

    @property
    def unfillable(self) -> int:
        """Missing even after every recommended unit is sent: no free unit has it."""
        return max(0, self.missing - len(self.recommended))


def run_card_for(incident: Incident) -> RunCard | None:
    """The card for the incident's type at its severity, else the type's card for any severity."""
    cards = {c.severity: c for c in RunCard.objects.filter(incident_type_id=incident.type_id,
                                                            severity__in=[incident.severity, ""])
             .prefetch_related("needs")}
    return cards.get(incident.severity) or cards.get("")


def run_card_needs(*, incident: Incident, recommend: bool = True) -> tuple[RunCard | None, list[Need]]:
    """The run card's needs for this incident, each with what is filled and what is missing.

    A unit fills one need only (one crew, one seat on the card), the first in the card's order
    that it can fill: units on active assignments first, then the free units arriving soonest
    for what is still missing. Without a card, each capability of the incident type is one need
    of one.
    """
    return _needs(incident, run_card_for(incident), recommend=recommend)


def _needs(incident: Incident, card: RunCard | None, *, recommend: bool) -> tuple[RunCard | None, list[Need]]:
    if card is not None:
        needs = [Need(capability=n.capability, count=n.count) for n in card.needs.all()]
    else:
        needs = [Need(capability=c, count=1) for c in incident.type.required_capabilities]
    active = (Assignment.objects.filter(incident=incident, status__in=Assignment.ACTIVE_STATUSES)
              .select_related("resource").order_by("created_at"))
    for assignment in active:
        for need in needs:
            if need.missing and need.capability in assignment.resource.capabilities:
                need.filled += 1
                need.assigned.append(assignment)
                break
    if recommend:
        needs_recommend(incident=incident, needs=needs)
    return card, needs


def needs_recommend(*, incident: Incident, needs: list[Need]) -> None:
    """Fill each need's `recommended` with the free units soonest there for what it still
    misses, a unit for one need only (the first in the card's order): one _fastest for all."""
    open_needs = [need for need in needs if need.missing]
    chosen = _fastest(incident=incident, groups=[([need.capability], need.missing) for need in open_needs])
    for need, recs in zip(open_needs, chosen, strict=True):
        need.recommended = [replace(r, need=need.capability) for r in recs]


def units_recommend(*, incident: Incident, limit: int | None = 10, capability: str | None = None) -> list[Recommendation]:
    """The available units that fill what the incident still needs, soonest there first (road
    ETA; see _fastest).

    With a run card the list covers the whole mix still missing, each item naming the need it
    fills; `limit` caps the list. Without a card, the units bringing any capability of the type
    that arrive soonest (the first they bring is their need). With `capability`, those that
    bring it.
    """
    if capability:
        [recs] = _fastest(incident=incident, groups=[([capability], limit or 10)])
        return [replace(r, need=capability) for r in recs]
    card = run_card_for(incident)
    if card is None:
        # No card for this type and severity: the units bringing any capability the type lists,
        # as many as asked, so the dispatcher still has a choice.
        needed = list(incident.type.required_capabilities)
        if not needed:
            return []
        [recs] = _fastest(incident=incident, groups=[(needed, limit or 10)])
        return [replace(r, need=r.matches[0] if r.matches else None) for r in recs]
    _card, needs = _needs(incident, card, recommend=True)
    result = sorted((r for need in needs for r in need.recommended), key=rank_key)
    return result[:limit] if limit else result


def rank_key(rec: Recommendation):
    """Soonest there first: units with a way by road (or no road data) by ETA, then those the
    roads do not join to the incident; ties by distance, then id."""
    return (not rec.connected, rec.eta_s, rec.distance_m, rec.resource.pk)


# How many candidates by straight line are read for each unit wanted, at first (and at least
# CANDIDATES_MIN); more, up to CANDIDATES_MAX, when the road ETAs show that a unit beyond them
# could still arrive sooner (_fastest).
CANDIDATES_PER_UNIT = 8
CANDIDATES_MIN = 24
CANDIDATES_MAX = 400


@dataclass(frozen=True)
class _Candidate:
    """A free unit read by straight line: what ranking needs, no model instance (building a
    hundred Resource instances per round costs more than the reads)."""

    pk: int
    kind: str
    capabilities: tuple[str, ...]
    distance_m: float
    x: float  # where it is (longitude, latitude): its fresh position, else its depot; as
    y: float  # roads.routing.etas reads an origin, with no GEOS Point to build


@dataclass(frozen=True)
class _Timed:
    candidate: _Candidate
    eta_s: int
    eta_basis: str
    connected: bool

    def key(self):
        return (not self.connected, self.eta_s, self.candidate.distance_m, self.candidate.pk)


def _fastest(*, incident: Incident, groups: list[tuple[list[str], int]]) -> list[list[Recommendation]]:
    """For each group (capabilities any of which will do, how many units), in order, the free
    units that arrive soonest by road, each unit chosen once (for the first group it fills).

    Road ETAs for every unit would be a routing search per unit; instead (issue 24.10, p99 ≤
    50 ms among 100,000 units): the K nearest by straight line per group (_nearest: KNN on the
    GiST indexes, K a few times what is wanted), their road ETAs in one routing statement for
    all groups (roads.routing.etas), ranked. Then the check that makes the order exact: a unit
    d metres away in a straight line arrives no sooner than a bound (_soonest_beyond: d at the
    top edge speed plus the incident's connector's slowness by road, or its straight-line
    estimate at the fastest kind), so when the group's n-th ETA is within the bound for the
    K-th candidate's distance, no unit farther away can beat it. Else K doubles (up to
    CANDIDATES_MAX) and the round is done again. The n of a group counts the groups before it
    too: their units may be taken first. A unit across a river whose bridge is far ranks by its
    long way round, below a unit farther away on this bank. Model instances are built for the
    chosen units only.

    While every group has read all K it asked for (others beyond them), only ETAs within the
    largest bound can matter, and the routing search is bounded by it (`within_s`): the edges
    within reach of the incident in that time, not the box around every candidate. A round
    where a group has read all its units, or CANDIDATES_MAX, needs every ETA (unbounded)."""
    wanted = [n for _caps, n in groups]
    upto = [sum(wanted[: g + 1]) for g in range(len(groups))]
    k = [max(CANDIDATES_MIN, CANDIDATES_PER_UNIT * n) for n in upto]
    fresh = fresh_since()
    candidates: list[list[_Candidate]] = [[] for _g in groups]
    todo = [g for g, n in enumerate(wanted) if n > 0]
    timed: dict[int, _Timed | None] = {}
    reach = None  # the incident's roads.routing.Reach, read once when a bound is first needed
    while todo:
        for g in todo:
            candidates[g] = _nearest(incident=incident, needed=groups[g][0], limit=k[g], fresh=fresh)
        pool = list({c.pk: c for group in candidates for c in group}.values())
        index = {c.pk: i for i, c in enumerate(pool)}
        ranks = [([index[c.pk] for c in candidates[g]], upto[g]) for g in range(len(groups)) if wanted[g]]
        # A group that may still read more: a unit beyond its candidates arrives no sooner than this.
        open_groups = [g for g in range(len(groups)) if wanted[g] and len(candidates[g]) == k[g] < CANDIDATES_MAX]
        if open_groups and reach is None:
            reach = routing.reach_for(incident.location)
        beyond = {g: _soonest_beyond(reach, candidates[g][-1].distance_m) for g in open_groups}
        within = max(beyond.values()) if len(open_groups) == len(ranks) else None
        timed = dict(zip(index, _with_etas(incident, pool, ranks=ranks, within_s=within, reach=reach), strict=True))
        again = []
        for g in todo:
            if g not in beyond:
                continue  # every free unit that fits was read, or as many as we read at most
            keys = sorted(t.key() for c in candidates[g] if (t := timed[c.pk]) is not None)
            nth = keys[upto[g] - 1] if len(keys) >= upto[g] else None
            if nth is None or nth[0] or nth[1] > beyond[g]:
                k[g] = min(CANDIDATES_MAX, k[g] * 2)
                again.append(g)
        todo = again
    picked, taken = [], set()
    for g, n in enumerate(wanted):
        ranked = sorted((t for c in candidates[g] if (t := timed.get(c.pk)) is not None and c.pk not in taken),
                        key=_Timed.key)[:n]
        taken |= {t.candidate.pk for t in ranked}
        picked.append(ranked)
    units = Resource.objects.in_bulk(list(taken))
    return [[Recommendation(resource=units[t.candidate.pk], distance_m=t.candidate.distance_m, eta_s=t.eta_s,
                            matches=tuple(c for c in t.candidate.capabilities if c in groups[g][0]),
                            eta_basis=t.eta_basis, connected=t.connected) for t in ranked]
            for g, ranked in enumerate(picked)]


def _soonest_beyond(reach: routing.Reach, distance_m: float) -> float:
    """The least ETA of a unit `distance_m` or more away in a straight line, however it is
    estimated: by road (routing.Reach.soonest_s), or by straight line at its kind's speed where
    it has no road (the fastest kind). A unit the roads do not join ranks after every unit with
    a way, and needs no bound."""
    kmh = max(max(SPEED_KMH.values()), DEFAULT_SPEED_KMH)
    return min(reach.soonest_s(distance_m), distance_m * ROAD_FACTOR / (kmh / 3.6))


def _nearest(*, incident: Incident, needed: list[str], limit: int, fresh: datetime) -> list[_Candidate]:
    """The `limit` nearest free units by straight line, each from where it is: its reported
    position when fresher than POSITION_FRESH_S (`fresh`: 2 minutes), else where it was put (its
    depot). One statement of two reads, merged: the units without a fresh position by their
    place first (`location <-> point` on its GiST index, which reads a handful of rows however
    many resources the district has), then the fresh positions no farther than the farthest of
    those (`ST_DWithin` on the position index: a unit farther away cannot be among the
    `limit`). Bounded so, the second read costs what the positions in that disc number, however
    few of the units that ever reported are fresh (a KNN walk of the position index crossed
    every stale one nearer than the `limit`-th fresh; a read of the fresh ones through
    position_at sorted them all); with fewer such units than `limit`, no bound: a KNN walk of
    the position index. Status, kind and capability are filtered as the indexes are walked."""
    kinds = [str(k) for k in Resource.DISPATCHABLE_KINDS]
    fits = "status = 'available' AND kind = ANY(%(kinds)s) AND capabilities && %(needed)s::varchar[]"
    moving = ("SELECT id, kind, capabilities, ST_Distance(position, ST_GeogFromText(%(pt)s)) AS distance_m,"
              " ST_X(position::geometry) AS lon, ST_Y(position::geometry) AS lat")
    sql = (
        "WITH placed AS MATERIALIZED ("
        "  SELECT id, kind, capabilities, ST_Distance(location, ST_GeogFromText(%(pt)s)) AS distance_m,"
        "  ST_X(location::geometry) AS lon, ST_Y(location::geometry) AS lat"
        f" FROM resources_resource WHERE {fits} AND (position_at IS NULL OR position_at <= %(fresh)s)"
        "  ORDER BY location <-> ST_GeogFromText(%(pt)s) LIMIT %(limit)s),"
        " reach AS MATERIALIZED (SELECT count(*) = %(limit)s AS bounded, max(distance_m) AS m FROM placed),"
        # The positions in the disc, through the position index alone (the planner, offered the
        # index on position_at too, may AND in every fresh report of the district).
        " near AS MATERIALIZED (SELECT id, kind, capabilities, status, position, position_at FROM resources_resource"
        "  WHERE ST_DWithin(position, ST_GeogFromText(%(pt)s), (SELECT m FROM reach)))"
        " SELECT id, kind, capabilities, distance_m, lon, lat FROM ("
        "  SELECT * FROM placed"
        f" UNION ALL ({moving} FROM near WHERE (SELECT bounded FROM reach) AND {fits} AND position_at > %(fresh)s"
        "   ORDER BY 4 LIMIT %(limit)s)"
        # fewer placed than `limit`: no bound, the nearest fresh positions by KNN
        f" UNION ALL ({moving} FROM resources_resource WHERE NOT (SELECT bounded FROM reach) AND {fits}"
        "   AND position_at > %(fresh)s ORDER BY position <-> ST_GeogFromText(%(pt)s) LIMIT %(limit)s)"
        " ) c ORDER BY distance_m, id LIMIT %(limit)s"
    )
    wkt = f"SRID=4326;POINT({incident.location.x} {incident.location.y})"
    with connection.cursor() as cursor:
        cursor.execute(sql, {"pt": wkt, "kinds": kinds, "needed": needed, "fresh": fresh, "limit": int(limit)})
        return [_Candidate(pk=pk, kind=kind, capabilities=tuple(caps or ()), distance_m=round(distance, 1),
                           x=lon, y=lat) for pk, kind, caps, distance, lon, lat in cursor.fetchall()]


def _with_etas(incident: Incident, candidates: list[_Candidate], *, ranks=None, within_s=None,
               reach=None) -> list[_Timed | None]:
    """Each candidate's ETA on the road network (one routing statement for all), or the
    straight-line estimate by kind where there is no road data; `eta_basis` says which. None
    for a unit that cannot be among its group's fastest (`ranks`, `within_s`: roads.routing.etas)."""
    if not candidates:
        return []
    etas = routing.etas(candidates, incident.location, ranks=ranks, within_s=within_s, reach=reach)
    return [None if eta is None else
            _Timed(c, eta.duration_s, routing.ROAD, True) if eta.basis == routing.ROAD else
            _Timed(c, eta_seconds(c.kind, c.distance_m), routing.STRAIGHT_LINE, eta.connected)
            for c, eta in zip(candidates, etas, strict=True)]


def eta_seconds(kind: str, distance_m: float) -> int:
    speed = SPEED_KMH.get(kind, DEFAULT_SPEED_KMH)
    return int(round(distance_m * ROAD_FACTOR / (speed * 1000 / 3600)))


def units_search(*, incident: Incident, query: str = "", limit: int = 20) -> list[Recommendation]:
    """Any available dispatchable unit, by name, call sign (code), kind or capability, nearest
    first: the dispatcher is never limited to what the run card recommends."""
    query = (query or "").replace("\x00", "").strip()[:100]
    qs = Resource.objects.filter(status=Resource.Status.AVAILABLE, kind__in=Resource.DISPATCHABLE_KINDS)
    if query:
        kinds = [k for k, label in Resource.Kind.choices if query.lower() in str(label).lower() or query.lower() in k]
        caps = [c for c, label in Capability.choices if query.lower() in str(label).lower() or query.lower() in c]
        match = Q(name__icontains=query) | Q(code__icontains=query) | Q(agency__name__icontains=query)
        if kinds:
            match |= Q(kind__in=kinds)
        if caps:
            match |= Q(capabilities__overlap=caps)
        qs = qs.filter(match)
    qs = qs.annotate(distance=Distance("location", incident.location)).order_by("distance", "code")[:limit]
    return [Recommendation(resource=r, distance_m=round(r.distance.m, 1), eta_s=eta_seconds(r.kind, r.distance.m),
                           matches=tuple(r.capabilities)) for r in qs]


def incidents_possible_duplicates(*, incident_type: IncidentType, location: Point, at: datetime | None = None,
                                  exclude_id: int | None = None, risk_source_id: int | None = None,
                                  exercise: bool = False) -> list[Incident]:
    """Open incidents that may be the same event, reported in the last two hours: of the same
    class within 500 m; or, whatever their type, on the same risk source, or made for a risk
    source within 500 m (one leak is one incident, whether a call or an alarm reported it first,
    and a caller may call it a fire where the alarm says leak: issue 22, point 6)."""
    at = at or timezone.now()
    near = Q(location__dwithin=(location, DUPLICATE_RADIUS_M), reported_at__gte=at - DUPLICATE_WINDOW)
    match = near & (Q(type__klass=incident_type.klass) | Q(risk_source__isnull=False))
    if risk_source_id:
        match |= Q(risk_source_id=risk_source_id)  # open on the same source: the same leak, however old
    # A drill's incident is never offered for a real call (nor a real one for a drill's alarm).
    qs = (Incident.objects.filter(match, status__in=Incident.OPEN_STATUSES, exercise=bool(exercise))
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
        WHERE i.reported_at >= %s AND i.reported_at < %s AND NOT i.exercise  -- drills never count
        GROUP BY grp ORDER BY grp
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [start, end])
        names = [c[0] for c in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return rows


def units_whereabouts(resource_ids: list[int]) -> dict[int, dict]:
    """Where each unit is, in words: its town and the nearest place of the gazetteer with the
    distance to it ("新城街道 · 新城大道 120 m"). One statement, KNN per unit."""
    if not resource_ids:
        return {}
    sql = """
        SELECT r.id, a.name, a.name_en, p.name, ST_Distance(p.location::geography, r.location)
        FROM resources_resource r
        LEFT JOIN LATERAL (SELECT name, name_en FROM resources_area
                           WHERE ST_Intersects(boundary, r.location::geometry) LIMIT 1) a ON true
        LEFT JOIN LATERAL (SELECT name, location FROM places_place
                           ORDER BY location <-> r.location::geometry LIMIT 1) p ON true
        WHERE r.id = ANY(%s)
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(resource_ids)])
        return {rid: {"area": area, "area_en": area_en, "place": place,
                      "place_m": round(distance) if distance is not None else None}
                for rid, area, area_en, place, distance in cursor.fetchall()}


def assignments_visible_to(user):
    """Console roles see every assignment; a responder only their own unit's."""
    qs = Assignment.objects.select_related("incident__type", "resource").order_by("-created_at")
    if has_role(user, CONSOLE_ROLES):
        return qs
    responder = getattr(user, "responder", None)
    if has_role(user, {RESPONDER}) and responder is not None:
        return qs.filter(resource_id=responder.resource_id)
    return qs.none()


# --- a toxic release modelled for an incident (issue 22, point 2) ------------------------------

COMPASS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")


def compass_word(degrees: float) -> str:
    """The eight-point compass word for a bearing, in the user's language."""
    from django.utils.translation import pgettext

    words = {"N": pgettext("compass", "N"), "NE": pgettext("compass", "NE"), "E": pgettext("compass", "E"),
             "SE": pgettext("compass", "SE"), "S": pgettext("compass", "S"), "SW": pgettext("compass", "SW"),
             "W": pgettext("compass", "W"), "NW": pgettext("compass", "NW")}
    return words[COMPASS[int(((degrees % 360) + 22.5) // 45) % 8]]


def incident_release_latest(incident: Incident):
    """The release last modelled for this incident (the current picture), or None."""
    from incidents.models import IncidentRelease

    link = (IncidentRelease.objects.filter(incident=incident).select_related("release__chemical")
            .order_by("-release__created_at", "-pk").first())
    return link.release if link else None


def units_in_zones(*, release, resource_ids: list[int] | None = None) -> dict[int, str]:
    """Dispatchable units standing inside a threat zone of the release: unit id → the most severe
    level of concern around it (zones nest: the highest threshold is the innermost). Planar test
    in lon/lat, as the zones are drawn and the targets counted (hazards.selectors)."""
    if release is None:
        return {}
    sql = ("SELECT r.id, z.level FROM resources_resource r JOIN hazards_threatzone z "
           f"ON z.release_id = %s AND ST_Intersects(z.boundary, {UNIT_PLACE}::geometry) "
           "WHERE r.kind = ANY(%s)" + (" AND r.id = ANY(%s)" if resource_ids is not None else "")
           + " ORDER BY z.threshold_ppm DESC")
    params = [release.pk, fresh_since(), [str(k) for k in Resource.DISPATCHABLE_KINDS]]
    if resource_ids is not None:
        params.append(list(resource_ids))
    found: dict[int, str] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for rid, level in cursor.fetchall():
            found.setdefault(rid, level)
    return found


def release_brief(release, *, resource: Resource | None = None) -> dict | None:
    """What a commander and a crew must know of a modelled release: the wind, the way in from
    upwind, each zone's reach and (for a unit) how far the unit stands from it, and the
    sensitive targets inside, each listed once, in its most severe zone."""
    from hazards.serializers import LIMIT_TEXT
    if release is None:
        return None
    zones = list(release.zones.order_by("-threshold_ppm"))
    distances = {}
    if resource is not None and zones:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT z.id, ST_Distance(z.boundary::geography, {UNIT_PLACE}), "
                           f"ST_Intersects(z.boundary, {UNIT_PLACE}::geometry) FROM hazards_threatzone z, "
                           "resources_resource r WHERE z.release_id = %s AND r.id = %s",
                           [fresh_since(), fresh_since(), release.pk, resource.pk])
            distances = {zid: (round(d or 0), inside) for zid, d, inside in cursor.fetchall()}
    exposure = {z.get("id"): z for z in (release.result or {}).get("zones", [])}
    seen: set = set()
    rows = []
    for zone in zones:
        targets = []
        for target in exposure.get(zone.pk, {}).get("targets", []):
            if target.get("id") in seen:
                continue
            seen.add(target.get("id"))
            targets.append(target)
        unit_m, inside = distances.get(zone.pk, (None, False))
        rows.append({"id": zone.pk, "level": zone.level, "threshold_ppm": zone.threshold_ppm,
                     "distance_m": round(zone.distance_m), "targets": targets,
                     "people": sum(t.get("population", 0) for t in targets),
                     "unit_distance_m": 0 if inside else unit_m, "unit_inside": bool(inside)})
    downwind = (release.wind_from_deg + 180) % 360
    return {
        "release": release, "exercise": release.exercise, "chemical": release.chemical,
        "wind_from_deg": round(release.wind_from_deg), "wind_from": compass_word(release.wind_from_deg),
        "wind_speed_ms": release.wind_speed_ms, "stability": release.stability,
        "downwind_deg": round(downwind), "downwind": compass_word(downwind),
        # Approach from upwind: come in from where the wind blows from, never through the plume.
        "approach_from_deg": round(release.wind_from_deg), "approach_from": compass_word(release.wind_from_deg),
        "zones": rows, "targets": [t for z in rows for t in z["targets"]],
        "unit_inside": next((z["level"] for z in rows if z["unit_inside"]), None),
        # Where the estimate stops holding (dense gas...), in words; "model" is said on the model's own form.
        "warnings": [str(LIMIT_TEXT[w]) for w in (release.warnings or []) if w in LIMIT_TEXT and w != "model"],
    }


def timeline_last_id(*, incident_id) -> int:
    from incidents.models import TimelineEntry

    return TimelineEntry.objects.filter(incident_id=incident_id).order_by("-id").values_list("id", flat=True).first() or 0


def timeline_since(*, incident_id, after_id: int):
    """The incident's timeline entries written after `after_id`, oldest first."""
    from incidents.models import TimelineEntry

    return TimelineEntry.objects.filter(incident_id=incident_id, id__gt=after_id).order_by("id")


def supplementary_report_due(incident: Incident) -> bool:
    """Casualties changed after closing (incidents.services.incident_record_casualties marks the
    timeline entry `supplementary`) and no supplementary report (补报, a timeline `report` entry
    of kind `supplementary`, filed through incidents.services.incident_report_file) since."""
    from incidents.models import TimelineEntry

    changed = (TimelineEntry.objects.filter(incident=incident, kind="casualties", data__supplementary=True)
               .order_by("-id").values_list("id", flat=True).first())
    if changed is None:
        return False
    return not TimelineEntry.objects.filter(incident=incident, kind="report", data__kind="supplementary",
                                            id__gt=changed).exists()
