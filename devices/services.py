"""Every write of the device registry, kept in step with the broker (devices.dynsec).

Order: the row is written first inside the transaction, then the broker is told; if the broker
refuses or cannot be reached, the transaction rolls back and nothing is half-written. (A broker
change followed by a failed commit leaves an identity the database does not know:
devices_broker_sync removes it.)

Secrets: the MQTT password and the HTTP token are made here, returned once to the caller (the
API answer, the admin page) and never stored: the broker keeps its salted hash of the password,
we keep a SHA-256 of the token.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.tokens import token_hash
from devices import dynsec, selectors
from devices.models import Device, DeviceKind
from monitoring.models import MonitoringPoint

log = logging.getLogger(__name__)
USERNAME_PREFIX = "dev-"
ROLE_PREFIX = "device-"
GAS_KINDS = ("toxic_gas", "combustible_gas")
GAS_CALIBRATION_DAYS = 365  # JJG 693-2011: 检定周期 in general not more than one year
FIELDS = ("name", "enterprise", "subject", "vendor", "model", "serial", "installed_at", "calibrated_at",
          "calibration_interval_days")


def _require(actor) -> None:
    if not selectors.manages_devices(actor):
        raise DomainError(_("Only the IoT administrator may manage devices."), status=403)


def topic_acls(device: Device, point_codes, prefix: str | None = None) -> list[dict]:
    """What the device may publish (docs/contract.md "Devices"); it subscribes to nothing (the plugin's
    default), so a device never reads another's readings."""
    prefix = prefix or settings.MQTT_TOPIC_PREFIX
    topics = [f"{prefix}/points/{code}" for code in sorted(point_codes)]
    if device.kind == DeviceKind.GATEWAY:
        topics.append(f"{prefix}/gateways/{device.code}")
    if device.kind == DeviceKind.GATE and device.subject:
        topics.append(f"{prefix}/gates/{device.subject}")
    if device.kind == DeviceKind.VEHICLE_TERMINAL and device.subject:
        topics.append(f"{prefix}/vehicles/{device.subject}")
    return [dynsec.acl("publishClientSend", t) for t in topics]


def _points(codes) -> list[MonitoringPoint]:
    codes = list(dict.fromkeys(codes or []))
    found = {p.code: p for p in MonitoringPoint.objects.filter(code__in=codes)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise DomainError(_("No monitoring point with code %(codes)s.") % {"codes": ", ".join(missing)},
                          data={"field": "points"})
    return [found[c] for c in codes]


def _check(device: Device, points: list[MonitoringPoint]) -> None:
    if device.kind in (DeviceKind.GATE, DeviceKind.VEHICLE_TERMINAL) and not device.subject:
        raise DomainError(_("A gate controller needs its gate code, a vehicle terminal its plate."), data={"field": "subject"})
    if device.kind == DeviceKind.SENSOR and len(points) > 1:
        raise DomainError(_("A standalone sensor reports one point; use a gateway for several."), data={"field": "points"})
    taken = (Device.points.through.objects.filter(monitoringpoint__in=points, device__revoked_at__isnull=True)
             .exclude(device_id=device.pk).values_list("monitoringpoint__code", "device__code"))
    if taken:
        point, other = next(iter(taken))
        raise DomainError(_("Point %(point)s is already bound to device %(device)s; unbind it there first.")
                          % {"point": point, "device": other}, data={"field": "points"}, status=409)
    if device.calibration_interval_days is None and any(p.kind in GAS_KINDS for p in points):
        device.calibration_interval_days = GAS_CALIBRATION_DAYS
    today = timezone.localdate()
    for name in ("installed_at", "calibrated_at"):
        value = getattr(device, name)
        if value and value > today:
            raise DomainError(_("A date in the future: %(date)s.") % {"date": value}, data={"field": name})


def _new_secrets(device: Device) -> dict:
    password = secrets.token_urlsafe(24)
    token = "dvt_" + secrets.token_urlsafe(32)
    device.token_hash = token_hash(token)
    device.secrets_issued_at = timezone.now()
    return {"mqtt_username": device.mqtt_username, "mqtt_password": password, "token": token,
            "mqtt_url": settings.MQTT_DEVICE_URL}


def _recolour(*enterprise_ids) -> None:
    from safety.services import enterprise_colour_recompute

    for enterprise_id in dict.fromkeys(e for e in enterprise_ids if e):
        enterprise_colour_recompute(enterprise_id=enterprise_id, reason="device.calibration")


@transaction.atomic
def device_create(*, actor, code: str, kind: str, points=(), **fields) -> tuple[Device, dict]:
    """Onboard a device: the row, its role (ACLs) and client on the broker. Answers the device
    and its secrets (shown once)."""
    _require(actor)
    device = Device(code=code, kind=kind, mqtt_username=USERNAME_PREFIX + code,
                    **{k: v for k, v in fields.items() if k in FIELDS})
    device.full_clean(exclude=["mqtt_username", "token_hash"])
    if Device.objects.filter(code=code).exists():
        raise DomainError(_("A device with code %(code)s exists already.") % {"code": code}, data={"field": "code"}, status=409)
    bound = _points(points)
    _check(device, bound)
    issued = _new_secrets(device)
    device.save()
    device.points.set(bound)
    role = ROLE_PREFIX + code
    dynsec.role_replace(role, topic_acls(device, [p.code for p in bound]))
    dynsec.client_create(device.mqtt_username, issued["mqtt_password"], role, text=device.name or code)
    _recolour(device.enterprise_id)
    log.info("device %s onboarded by %s", code, actor)
    return device, issued


@transaction.atomic
def device_update(*, actor, device: Device, points=None, **fields) -> Device:
    """Change what the device is (vendor, calibration, enterprise) or what it may report (points):
    the broker's ACLs follow at once."""
    _require(actor)
    device = Device.objects.select_for_update().get(pk=device.pk)
    if not device.active:
        raise DomainError(_("The device is revoked; onboard a new one."), status=409)
    before = device.enterprise_id
    for name, value in fields.items():
        if name in FIELDS:
            setattr(device, name, value)
    device.full_clean(exclude=["mqtt_username", "token_hash"])
    bound = _points(points) if points is not None else list(device.points.all())
    _check(device, bound)
    device.save()
    if points is not None:
        device.points.set(bound)
    dynsec.role_replace(ROLE_PREFIX + device.code, topic_acls(device, [p.code for p in bound]))
    _recolour(before, device.enterprise_id)
    return device


@transaction.atomic
def device_rotate(*, actor, device: Device) -> tuple[Device, dict]:
    """New password and token; the old ones stop working and a live connection is dropped."""
    _require(actor)
    device = Device.objects.select_for_update().get(pk=device.pk)
    if not device.active:
        raise DomainError(_("The device is revoked; onboard a new one."), status=409)
    issued = _new_secrets(device)
    device.save(update_fields=["token_hash", "secrets_issued_at"])
    dynsec.client_password(device.mqtt_username, issued["mqtt_password"])
    log.info("device %s: secrets rotated by %s", device.code, actor)
    return device, issued


@transaction.atomic
def device_revoke(*, actor, device: Device) -> Device:
    """Gone from the broker (disconnected now, no password works) and the token void. Final:
    a device coming back is onboarded again, with new secrets."""
    _require(actor)
    device = Device.objects.select_for_update().get(pk=device.pk)
    if device.active:
        device.revoked_at = timezone.now()
        device.token_hash = None
        device.save(update_fields=["revoked_at", "token_hash"])
        device.points.clear()
        dynsec.client_delete(device.mqtt_username)
        dynsec.role_delete(ROLE_PREFIX + device.code)
        _recolour(device.enterprise_id)
        log.warning("device %s revoked by %s", device.code, actor)
    return device


def devices_broker_sync() -> dict:
    """Make the broker match the registry: the ingesters' and simulator's roles for our topic
    prefix, each active device's role, and no `dev-` client the registry does not hold (a
    revoked device, or one whose commit failed). An active device missing on the broker (a
    broker whose state was lost) is reported: only a rotation gives it a password again."""
    from devices.broker_home import ROLE_INGEST, ROLE_SIMULATOR, ingest_acls, simulator_acls

    prefix = settings.MQTT_TOPIC_PREFIX
    dynsec.role_replace(ROLE_INGEST, [dynsec.acl(a["acltype"], a["topic"]) for a in ingest_acls([prefix])])
    dynsec.role_replace(ROLE_SIMULATOR, [dynsec.acl(a["acltype"], a["topic"]) for a in simulator_acls([prefix])])
    on_broker = set(dynsec.clients())
    active = {d.mqtt_username: d for d in Device.objects.filter(revoked_at__isnull=True).prefetch_related("points")}
    for device in active.values():
        dynsec.role_replace(ROLE_PREFIX + device.code, topic_acls(device, [p.code for p in device.points.all()]))
    removed = [u for u in on_broker if u.startswith(USERNAME_PREFIX) and u not in active]
    for username in removed:
        dynsec.client_delete(username)
    missing = sorted(u for u in active if u not in on_broker)
    return {"devices": len(active), "removed": removed, "missing": missing}


def simulator_identities(*, prefix: str) -> tuple[dict, list[dict]]:
    """For the demo simulator (a demo, on this machine only): its own listening identity and
    fresh credentials of every active demo gateway, with the points each may publish. Rotating
    them here means the simulator never needs a stored password."""
    from devices.broker_home import ROLE_SIMULATOR

    listen = {"username": "simulator", "password": secrets.token_urlsafe(24)}
    dynsec.client_create(listen["username"], listen["password"], ROLE_SIMULATOR, text="demo simulator")
    gateways = []
    for device in (Device.objects.filter(revoked_at__isnull=True, kind=DeviceKind.GATEWAY, code__startswith="DEMO-")
                   .prefetch_related("points")):
        password = secrets.token_urlsafe(24)
        dynsec.role_replace(ROLE_PREFIX + device.code,
                            topic_acls(device, [p.code for p in device.points.all()], prefix=prefix))
        dynsec.client_create(device.mqtt_username, password, ROLE_PREFIX + device.code, text=device.name)
        gateways.append({"username": device.mqtt_username, "password": password,
                         "points": sorted(p.code for p in device.points.all())})
    return listen, gateways


def calibration_record(*, actor, device: Device, on: dt.date) -> Device:
    return device_update(actor=actor, device=device, calibrated_at=on)
