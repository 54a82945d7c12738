"""Reads of the device registry: who sees which devices, online/offline, counts, calibration."""

from __future__ import annotations

import datetime as dt

from django.db.models import ExpressionWrapper, IntegerField, Max, QuerySet
from django.db.models.functions import Greatest
from django.utils import timezone

from core.roles import has_role
from devices.models import Device
from safety import selectors as safety_selectors

# A device is online when one of its points reported within three of its longest reporting
# interval (and never less than a minute): one lost message is not "offline".
ONLINE_MIN_S = 60


def manages_devices(user) -> bool:
    from core.roles import IOT_ADMIN

    return bool(user and user.is_authenticated and (user.is_superuser or has_role(user, {IOT_ADMIN})))


def devices_visible_to(user) -> QuerySet:
    """Device managers and the park's supervisors see every device; an enterprise's safety
    officer sees the enterprise's own; anyone else none."""
    qs = Device.objects.all()
    if manages_devices(user):
        return qs
    return safety_selectors.scoped(qs, user)


def with_status(qs: QuerySet) -> QuerySet:
    return qs.select_related("enterprise").prefetch_related("points").annotate(
        last_seen=Max("points__last_ts"),
        window_s=Greatest(ExpressionWrapper(Max("points__interval_s") * 3, output_field=IntegerField()),
                          ONLINE_MIN_S))


def is_online(device, now: dt.datetime | None = None) -> bool:
    last = getattr(device, "last_seen", None)
    if last is None or not device.active:
        return False
    window = getattr(device, "window_s", None) or ONLINE_MIN_S
    return (now or timezone.now()) - last <= dt.timedelta(seconds=window)



def calibration_overdue(qs: QuerySet, today: dt.date | None = None) -> list[Device]:
    today = today or timezone.localdate()
    return [d for d in qs.filter(revoked_at__isnull=True, calibration_interval_days__isnull=False)
            .select_related("enterprise").order_by("enterprise__code", "code") if d.calibration_overdue(today)]


def calibration_overdue_count(enterprise_id: int, at: dt.datetime | None = None) -> int:
    """An input of the enterprise's colour (registered in safety.colour_inputs)."""
    today = timezone.localdate(at) if at else timezone.localdate()
    return len(calibration_overdue(Device.objects.filter(enterprise_id=enterprise_id), today))


def counts_by_enterprise(qs: QuerySet, now: dt.datetime | None = None) -> list[dict]:
    now = now or timezone.now()
    today = timezone.localdate(now)
    rows: dict = {}
    for device in with_status(qs.filter(revoked_at__isnull=True)):
        key = device.enterprise_id
        row = rows.setdefault(key, {"enterprise": key, "enterprise_code": device.enterprise.code if device.enterprise else None,
                                    "enterprise_name": device.enterprise.name if device.enterprise else None,
                                    "total": 0, "online": 0, "offline": 0, "calibration_overdue": 0,
                                    "by_kind": {}})
        row["total"] += 1
        row["online" if is_online(device, now) else "offline"] += 1
        row["calibration_overdue"] += device.calibration_overdue(today)
        row["by_kind"][device.kind] = row["by_kind"].get(device.kind, 0) + 1
    return sorted(rows.values(), key=lambda r: (r["enterprise_code"] is None, r["enterprise_code"] or ""))


