"""Writes to responders and to people's accounts. One transaction per call.

Units' live positions (AVL, issue 24.8) are the `resource:<id>` subject of resources.positions:
a unit's responder reports its position from the phone page (session) or an app (their API
token), only for their own unit. Each accepted position joins the unit's track
(ResourcePosition, kept POSITION_RETENTION_DAYS); the newest becomes the unit's `position` and
goes out on the stream (`resource.moved`), so every map moves the unit.

Each change that affects who may hear what on the live stream emits `account.changed`
(resources.events), so every process's stream hub re-checks the person's open sockets at
once instead of on its next round.
"""

from __future__ import annotations

import math
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from procrastinate.contrib.django import app as jobs

import stream
from core.errors import DomainError
from resources import positions
from resources.events import ACCOUNT_CHANGED, RESOURCE_MOVED
from resources.models import Resource, ResourcePosition, Responder


def _fingerprint(secret: str) -> str:
    from hashlib import sha256

    return sha256(secret.encode()).hexdigest()[:20]  # the same as stream.hub.fingerprint


def _changed(user_id: int, reason: str, **data) -> None:
    stream.publish(ACCOUNT_CHANGED, {"user": user_id, "reason": reason, **data})


@transaction.atomic
def responder_move(*, actor, responder_id: int, resource_id: int | None) -> Responder:
    """Move a responder to another unit (or to none): their open sockets follow at once."""
    if not actor.has_perm("resources.change_responder"):
        raise DomainError(_("Your role cannot move responders between units."), status=403)
    try:
        responder = Responder.objects.select_for_update().get(pk=responder_id)
    except (Responder.DoesNotExist, ValueError, TypeError):
        raise DomainError(_("No responder %(id)s.") % {"id": responder_id}, status=404) from None
    if resource_id is not None:
        try:
            resource = Resource.objects.get(pk=resource_id)
        except (Resource.DoesNotExist, ValueError, TypeError):
            raise DomainError(_("No resource with id %(ids)s.") % {"ids": resource_id}, status=404) from None
        if not resource.is_dispatchable:
            raise DomainError(_("%(name)s is not a unit that responders crew.") % {"name": resource.name})
    if responder.resource_id == resource_id:
        return responder
    responder.resource_id = resource_id
    responder.save(update_fields=["resource"])
    _changed(responder.user_id, "moved", resource=resource_id)
    return responder


@transaction.atomic
def user_deactivate(*, actor, user_id: int):
    """Deactivate a person: they can no longer sign in, their API token is revoked, and their
    open sockets are closed (4403)."""
    if not actor.has_perm("auth.change_user"):
        raise DomainError(_("Only administrators may deactivate people."), status=403)
    User = get_user_model()
    try:
        user = User.objects.select_for_update().get(pk=user_id)
    except (User.DoesNotExist, ValueError, TypeError):
        raise DomainError(_("No user %(id)s.") % {"id": user_id}, status=404) from None
    if user.pk == actor.pk:
        raise DomainError(_("You cannot deactivate yourself."), status=409)
    from rest_framework.authtoken.models import Token

    Token.objects.filter(user=user).delete()
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    _changed(user.pk, "deactivated")
    return user


@transaction.atomic
def token_revoke(*, user) -> bool:
    """Revoke the user's API token (`DELETE /api/v1/auth/token/`): requests and sockets using
    it stop at once (sockets close with 4401). False if there was none."""
    from rest_framework.authtoken.models import Token

    token = Token.objects.select_for_update().filter(user=user).first()
    if token is None:
        return False
    key = token.key
    token.delete()
    _changed(user.pk, "token_revoked", token=_fingerprint(key))
    return True


@transaction.atomic
def session_end(*, user, session_key: str) -> None:
    """A browser session signed out (POST /logout/): its sockets close with 4401 at once."""
    _changed(user.pk, "logout", session=_fingerprint(session_key))


def session_end_on_logout(sender, request, user, **kwargs):
    """Receiver of Django's user_logged_out (connected in ResourcesConfig.ready)."""
    session = getattr(request, "session", None)
    if user is not None and session is not None and session.session_key:
        session_end(user=user, session_key=session.session_key)


# --- units' positions ------------------------------------------------------------------------

UNIT_SUBJECT = "resource"


def unit_positions_store(reports: list[positions.PositionReport], *, user, auth) -> list[tuple[int, str]]:
    """Store a unit's positions: the handler of `resource:<id>` (resources.positions). Locks
    the units' rows (resources first, as everywhere), so two requests for one unit keep its
    track and latest position consistent. Returns the rejected (index, error)."""
    own = _own_unit(user)
    if own is None:
        raise DomainError(_("Only a unit's responder may report its position, from the unit's phone page or "
                            "with their own token."), status=403)
    bad, wanted, others = [], [], []
    for report in reports:
        if not (report.ident.isascii() and report.ident.isdigit() and len(report.ident) <= 12):
            bad.append((report.index, _("resource:<id> takes the unit's number, e.g. resource:12.")))
        elif int(report.ident) != own:
            others.append(report)
        else:
            wanted.append(report)
    if others:
        known = set(Resource.objects.filter(pk__in=[int(r.ident) for r in others]).values_list("pk", flat=True))
        for report in others:
            if int(report.ident) in known:
                bad.append((report.index, _("You may report only your own unit's position (resource:%(own)s).")
                            % {"own": own}))
            else:
                bad.append((report.index, _("No unit resource:%(id)s.") % {"id": report.ident}))
    if not wanted:
        return bad
    with transaction.atomic():
        unit = Resource.objects.select_for_update().filter(pk=own).only(
            "id", "code", "name", "kind", "status", "position", "position_at").first()
        if unit is None:
            return bad + [(r.index, _("No unit resource:%(id)s.") % {"id": own}) for r in wanted]
        stored = {p.ts: p for p in ResourcePosition.objects.filter(resource=unit, ts__in=[r.ts for r in wanted])}
        latest = (unit.position_at, unit.position) if unit.position_at else None
        rows = []
        for report in sorted(wanted, key=lambda r: r.ts):
            point = Point(report.lon, report.lat, srid=4326)
            same = stored.get(report.ts)
            if same is not None:
                if _metres(same.location, point) > 1:
                    bad.append((report.index, _("A different position of this unit at %(ts)s is already stored; "
                                                "send each fix once.") % {"ts": report.ts.isoformat()}))
                continue  # the same fix again (a retry): stored once, counted as accepted
            if latest is not None:
                seconds = max(abs((report.ts - latest[0]).total_seconds()), 1.0)
                kmh = _metres(latest[1], point) / seconds * 3.6
                if kmh > settings.POSITION_MAX_SPEED_KMH:
                    bad.append((report.index, _(
                        "This position is %(km).1f km from the one at %(then)s: %(kmh).0f km/h, faster than "
                        "%(max)s km/h. Check the device's fix or clock.") % {
                        "km": _metres(latest[1], point) / 1000, "then": latest[0].isoformat(), "kmh": kmh,
                        "max": settings.POSITION_MAX_SPEED_KMH}))
                    continue
            rows.append(ResourcePosition(resource=unit, ts=report.ts, location=point, speed_kmh=report.speed_kmh))
            if latest is None or report.ts >= latest[0]:
                latest = (report.ts, point)
        if rows:
            ResourcePosition.objects.bulk_create(rows)
            if unit.position_at is None or latest[0] > unit.position_at:
                Resource.objects.filter(pk=unit.pk).update(position=latest[1], position_at=latest[0])
                unit.position, unit.position_at = latest[1], latest[0]
                newest = max(rows, key=lambda r: r.ts)
                stream.publish(RESOURCE_MOVED, unit, newest.speed_kmh)
    return bad


def fresh_since():
    """Positions reported after this stand for the unit's place (POSITION_FRESH_S)."""
    return timezone.now() - timedelta(seconds=settings.POSITION_FRESH_S)


@transaction.atomic
def positions_purge(*, older_than_days: int | None = None) -> int:
    """Delete track points past POSITION_RETENTION_DAYS (privacy: people's positions are kept
    no longer than needed). The unit's latest position stays on the unit."""
    days = settings.POSITION_RETENTION_DAYS if older_than_days is None else older_than_days
    deleted, _per_model = ResourcePosition.objects.filter(ts__lt=timezone.now() - timedelta(days=days)).delete()
    return deleted


@jobs.periodic(cron="23 3 * * *")
@jobs.task(name="resources.purge_positions", queue="maintenance")
def purge_positions(timestamp: int) -> None:
    positions_purge()


def _own_unit(user) -> int | None:
    responder = getattr(user, "responder", None) if getattr(user, "pk", None) else None
    return responder.resource_id if responder is not None else None


def _metres(a, b) -> float:
    lon1, lat1, lon2, lat2 = map(math.radians, (a.x, a.y, b.x, b.y))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371008.8 * math.asin(math.sqrt(h))
