"""Reads of closed park management: who is where, the lots, what each user may see."""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from core.roles import enterprise_scope
from park.models import HazmatAppointment, ParkZone, Stay

_COUNTS_SQL = """
SELECT z.id,
       coalesce(s.people, 0) {adj_people}, coalesce(s.vehicles, 0) {adj_vehicles},
       coalesce(s.hazmat, 0) {adj_hazmat}
FROM park_parkzone z
LEFT JOIN (SELECT zone_id, count(*) FILTER (WHERE kind = 'person') AS people,
                  count(*) FILTER (WHERE kind = 'vehicle') AS vehicles,
                  count(*) FILTER (WHERE kind = 'vehicle' AND hazmat) AS hazmat
           FROM park_stay GROUP BY zone_id) s ON s.zone_id = z.id
LEFT JOIN park_zoneadjustment a ON a.zone_id = z.id
{where}
ORDER BY z.code
"""


def zone_counts(*, zone_ids: list[int] | None = None, adjusted: bool = True) -> dict[int, dict]:
    """zone id → {people, vehicles, hazmat_vehicles}: the stays, plus an operator's adjustment
    (never below 0)."""
    adj = {k: (f"+ coalesce(a.{k}, 0)" if adjusted else "") for k in ("people", "vehicles", "hazmat_vehicles")}
    sql = _COUNTS_SQL.format(adj_people=adj["people"], adj_vehicles=adj["vehicles"],
                             adj_hazmat=adj["hazmat_vehicles"], where="WHERE z.id = ANY(%s)" if zone_ids else "")
    with connection.cursor() as cursor:
        cursor.execute(sql, [zone_ids] if zone_ids else [])
        return {row[0]: {"people": max(0, row[1]), "vehicles": max(0, row[2]), "hazmat_vehicles": max(0, row[3])}
                for row in cursor.fetchall()}


def presence(user) -> dict:
    """API.md `GET /api/v1/park/presence/`. An enterprise officer sees their enterprise's zones
    only (its staff counts), and as `park` the sum of those."""
    scope = enterprise_scope(user)
    zones = ParkZone.objects.order_by("code")
    if scope is not None:
        zones = zones.filter(enterprise_id=scope)
    codes = dict(zones.values_list("pk", "code"))
    counts = zone_counts(zone_ids=list(codes)) if codes else {}
    rows = [{"zone": codes[pk], **c} for pk, c in counts.items() if pk in codes]
    park = {k: sum(r[k] for r in rows) for k in ("people", "vehicles", "hazmat_vehicles")}
    return {"at": timezone.now().isoformat(), "park": park, "zones": rows}


def people_inside(boundary) -> dict:
    """The people counted in the park's zones that a threat zone touches (positions of people
    are not known: a zone counts whole), and per enterprise its staff there (hazards.exposure)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM park_parkzone")
        if not cursor.fetchone()[0]:
            return {}
        cursor.execute(
            "SELECT z.id FROM park_parkzone z WHERE ST_Intersects(z.area, ST_GeomFromEWKB(%s))",
            [bytes(boundary.ewkb)])
        ids = [row[0] for row in cursor.fetchall()]
    counts = zone_counts(zone_ids=ids) if ids else {}
    staff: dict[int, dict] = {}
    for zone in ParkZone.objects.filter(pk__in=ids, enterprise__isnull=False).select_related("enterprise"):
        row = staff.setdefault(zone.enterprise_id, {"enterprise": zone.enterprise_id, "name": zone.enterprise.name,
                                                    "people": 0})
        row["people"] += counts.get(zone.pk, {}).get("people", 0)
    return {"people_inside": sum(c["people"] for c in counts.values()),
            "staff_inside": sorted(staff.values(), key=lambda r: -r["people"])}


def lots() -> list[dict]:
    """Each parking lot: capacity, vehicles in it now (their stays), the hazardous goods they
    carry (from their appointments), and the places booked by approved appointments now."""
    now = timezone.now()
    result = []
    zones = ParkZone.objects.filter(kind=ParkZone.Kind.PARKING).order_by("code")
    for zone in zones:
        stays = list(Stay.objects.filter(zone=zone, kind=Stay.Kind.VEHICLE).select_related("appointment"))
        chemicals: dict[str, float] = {}
        for stay in stays:
            if stay.appointment is not None:
                un = stay.appointment.un_number
                chemicals[un] = chemicals.get(un, 0.0) + stay.appointment.quantity_t
        booked = HazmatAppointment.objects.filter(lot=zone, state=HazmatAppointment.State.APPROVED,
                                                  window_from__lte=now, window_to__gte=now).count()
        result.append({"zone": zone.code, "name": zone.name, "hazmat_lot": zone.hazmat_lot, "capacity": zone.capacity,
                       "occupied": len(stays), "hazmat_vehicles": sum(1 for s in stays if s.hazmat),
                       "booked_now": booked,
                       "chemicals": [{"un_number": un, "quantity_t": round(q, 3)} for un, q in sorted(chemicals.items())]})
    return result


def enterprise_plates(enterprise_id: int) -> set[str]:
    """The plates an enterprise may follow: those of its appointments (its own vehicles)."""
    return set(HazmatAppointment.objects.filter(destination_id=enterprise_id).values_list("plate", flat=True))
