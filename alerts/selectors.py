"""Reads of public warnings: who sees what, and the map layer."""

from __future__ import annotations

import json

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from alerts.models import Alert
from core.roles import COMMAND_ROLES, has_role


def alerts_current(*, now=None):
    """Alerts in force: issued or updated, and not yet expired (cancelled ones are not)."""
    now = now or timezone.now()
    return Alert.objects.filter(status__in=Alert.CURRENT, expires__gt=now)


def alerts_published():
    """What anyone may read: every published message, never a draft."""
    return Alert.objects.filter(status__in=Alert.PUBLISHED)


def alerts_visible_to(user):
    """Commanders also see drafts, which they write; everyone else sees published alerts only."""
    qs = Alert.objects.all() if has_role(user, COMMAND_ROLES) else alerts_published()
    return qs.select_related("incident").prefetch_related("notify_groups")


def alerts_layer(*, bbox: tuple[float, float, float, float] | None = None, now=None) -> dict:
    """Current alerts as an RFC 7946 FeatureCollection, built in SQL.

    ST_ForcePolygonCCW gives counter-clockwise exterior rings as RFC 7946 asks; ST_AsGeoJSON
    writes [lon, lat] for SRID 4326. Each feature's id is the alert's id.
    """
    now = now or timezone.now()
    sql = [
        "SELECT COALESCE(json_agg(json_build_object(",
        " 'type', 'Feature', 'id', a.id,",
        " 'geometry', ST_AsGeoJSON(ST_ForcePolygonCCW(a.area), 6)::json,",
        " 'properties', json_build_object('level', a.level, 'status', a.status, 'event', a.event,",
        "   'headline', a.headline, 'area_description', a.area_description, 'effective', a.effective,",
        "   'expires', a.expires, 'identifier', a.identifier, 'incident', a.incident_id)",
        ") ORDER BY a.id), '[]'::json)",
        f" FROM {Alert._meta.db_table} a",
        " WHERE a.status = ANY(%s) AND a.expires > %s",
    ]
    params: list = [list(Alert.CURRENT), now]
    if bbox is not None:
        sql.append(" AND a.area && ST_MakeEnvelope(%s, %s, %s, %s, 4326)")
        params.extend(bbox)
    with connection.cursor() as cursor:
        cursor.execute("".join(sql), params)
        features = cursor.fetchone()[0]
    if isinstance(features, str):
        features = json.loads(features)
    return {"type": "FeatureCollection", "features": features}


def parse_bbox(text: str | None) -> tuple[float, float, float, float] | None:
    """"minlon,minlat,maxlon,maxlat" → a tuple; ValueError with a readable message if malformed."""
    if not text:
        return None
    parts = text.split(",")
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        values = ()
    if len(values) != 4:
        raise ValueError(_("bbox must be four numbers: minlon,minlat,maxlon,maxlat"))
    minlon, minlat, maxlon, maxlat = values
    if not (-180 <= minlon <= maxlon <= 180 and -90 <= minlat <= maxlat <= 90):
        raise ValueError(_("bbox must satisfy -180 ≤ minlon ≤ maxlon ≤ 180 and -90 ≤ minlat ≤ maxlat ≤ 90"))
    return values
