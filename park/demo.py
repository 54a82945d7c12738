"""The demo park's closed management: each enterprise's site as a zone with its own vehicle
gate, the park's public roads as one zone, a hazmat parking lot, the main vehicle gate and a
staff turnstile, a gate controller for each park entrance, and the staff on shift counted in.
Idempotent (keyed by code)."""

from __future__ import annotations

import datetime as dt

from django.contrib.gis.geos import Point, Polygon
from django.utils import timezone

from hazards.models import Enterprise
from park.models import Gate, ParkZone, Stay

# The park's extent around the demo enterprises (hazards.demo), lon/lat.
PARK = (113.650, 22.636, 113.690, 22.667)
LOT = (113.6505, 22.6365, 113.6535, 22.6390)
STAFF = 40  # people on shift per enterprise in the demo


def _box(minx, miny, maxx, maxy) -> Polygon:
    return Polygon(((minx, miny), (maxx, miny), (maxx, maxy), (minx, maxy), (minx, miny)), srid=4326)


def load() -> dict:
    made = 0
    public, created = ParkZone.objects.get_or_create(code="PUBLIC", defaults={
        "name": "园区公共道路", "kind": ParkZone.Kind.PUBLIC, "area": _box(*PARK)})
    made += created
    _lot, created = ParkZone.objects.get_or_create(code="LOT-HZ", defaults={
        "name": "危化品车辆专用停车场", "kind": ParkZone.Kind.PARKING, "area": _box(*LOT), "hazmat_lot": True,
        "capacity": 20})
    made += created
    for enterprise in Enterprise.objects.filter(in_chemical_park=True).order_by("code"):
        x, y = enterprise.location.x, enterprise.location.y
        zone, created = ParkZone.objects.get_or_create(code=f"SITE-{enterprise.code}", defaults={
            "name": enterprise.name, "kind": ParkZone.Kind.ENTERPRISE, "enterprise": enterprise,
            "area": enterprise.site[0] if enterprise.site else _box(x - 0.002, y - 0.0015, x + 0.002, y + 0.0015)})
        made += created
        Gate.objects.get_or_create(code=f"G-{enterprise.code}", defaults={
            "name": f"{enterprise.name} 大门", "kind": Gate.Kind.VEHICLE, "location": Point(x, y - 0.0015, srid=4326),
            "zone_inside": zone, "zone_outside": public})
        if created:
            since = timezone.now() - dt.timedelta(hours=2)
            Stay.objects.bulk_create([Stay(kind=Stay.Kind.PERSON, subject=f"{enterprise.code}-{n:03d}", zone=zone,
                                           since=since) for n in range(STAFF)], ignore_conflicts=True)
    Gate.objects.get_or_create(code="G-MAIN", defaults={
        "name": "园区1号卡口（危化品车辆）", "kind": Gate.Kind.VEHICLE, "location": Point(PARK[0], 22.645, srid=4326),
        "zone_inside": public, "zone_outside": None})
    Gate.objects.get_or_create(code="G-STAFF", defaults={
        "name": "园区人员通道", "kind": Gate.Kind.PERSON, "location": Point(PARK[0], 22.650, srid=4326),
        "zone_inside": public, "zone_outside": None})
    # The park entrances' controllers (number-plate camera, turnstile): identities on the broker
    # (devices_broker_sync gives them their topic park/gates/<code>); no secrets issued here.
    from devices.models import Device, DeviceKind
    from devices.services import USERNAME_PREFIX

    for code, gate, name in (("DEMO-GATE-MAIN", "G-MAIN", "1号卡口车牌识别"), ("DEMO-GATE-STAFF", "G-STAFF", "人员通道闸机")):
        Device.objects.get_or_create(code=code, defaults={
            "kind": DeviceKind.GATE, "subject": gate, "name": name, "mqtt_username": USERNAME_PREFIX + code})
    return {"park_zones": made}
