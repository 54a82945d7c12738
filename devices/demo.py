"""The demo park's devices: one site gateway per enterprise with monitoring points, bound to
them, with vendor, model, serial and calibration dates. Idempotent.

Rows only: no secrets are issued here (no broker is needed to load the demo). The simulator
gives the demo gateways fresh credentials when it starts (devices.services.simulator_identities),
and `manage.py devices_broker_sync` (run by bootstrap) gives them their ACLs. One gateway is
past its calibration date, so the park's overdue list and that enterprise's colour show it."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from devices.models import Device, DeviceKind
from devices.services import GAS_CALIBRATION_DAYS, USERNAME_PREFIX
from monitoring.models import MonitoringPoint

VENDORS = [("汉威科技 Hanwei", "HW-GW200"), ("梅思安 MSA", "Ultima X5000 GW"), ("霍尼韦尔 Honeywell", "XNX-GW")]
OVERDUE = 1  # the second enterprise's gateway


def load() -> dict:
    today = timezone.localdate()
    by_enterprise: dict = {}
    for point in MonitoringPoint.objects.filter(risk_source__isnull=False).select_related("risk_source__enterprise"):
        by_enterprise.setdefault(point.risk_source.enterprise, []).append(point)
    created = 0
    for n, enterprise in enumerate(sorted(by_enterprise, key=lambda e: e.code)):
        code = f"DEMO-GW-{enterprise.code}"
        vendor, model = VENDORS[n % len(VENDORS)]
        calibrated = today - dt.timedelta(days=400 if n == OVERDUE else 30 + 20 * n)
        device, made = Device.objects.get_or_create(code=code, defaults={
            "kind": DeviceKind.GATEWAY, "name": f"{enterprise.name} 现场网关", "enterprise": enterprise,
            "vendor": vendor, "model": model, "serial": f"SN{2024000 + n:07d}",
            "installed_at": today - dt.timedelta(days=600), "calibrated_at": calibrated,
            "calibration_interval_days": GAS_CALIBRATION_DAYS, "mqtt_username": USERNAME_PREFIX + code})
        if made:
            device.points.set(by_enterprise[enterprise])
            created += 1
            if device.calibration_overdue(today):
                from safety.services import enterprise_colour_recompute

                enterprise_colour_recompute(enterprise_id=enterprise.pk, reason="device.calibration")
    # The park's own points (the weather mast, issue 27) belong to no enterprise: one park gateway.
    park_points = list(MonitoringPoint.objects.filter(risk_source__isnull=True))
    if park_points:
        device, made = Device.objects.get_or_create(code="DEMO-GW-PARK", defaults={
            "kind": DeviceKind.GATEWAY, "name": "园区气象站网关", "enterprise": None,
            "vendor": "维萨拉 Vaisala", "model": "WXT536 GW", "serial": "SN2024999",
            "installed_at": today - dt.timedelta(days=300), "calibrated_at": today - dt.timedelta(days=60),
            "calibration_interval_days": GAS_CALIBRATION_DAYS, "mqtt_username": USERNAME_PREFIX + "DEMO-GW-PARK"})
        if made:
            device.points.set(park_points)
            created += 1
    return {"devices": created}
