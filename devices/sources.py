"""Fills in monitoring.sources: which gateway may send which points, and whose token this is."""

from __future__ import annotations

from core.tokens import token_hash
from monitoring import sources


def _identity(device) -> sources.Device:
    return sources.Device(code=device.code, points=frozenset(p.code for p in device.points.all()))


def gateway(code: str) -> sources.Device | None:
    from devices.models import Device, DeviceKind

    device = (Device.objects.filter(code=code, kind=DeviceKind.GATEWAY, revoked_at__isnull=True)
              .prefetch_related("points").first())
    return _identity(device) if device else None


def token(key: str) -> sources.Device | None:
    from devices.models import Device

    if not key or len(key) > 200:
        return None
    device = (Device.objects.filter(token_hash=token_hash(key), revoked_at__isnull=True)
              .prefetch_related("points").first())
    return _identity(device) if device else None


def simulator(prefix: str):
    from devices.services import simulator_identities

    return simulator_identities(prefix=prefix)


def install() -> None:
    sources.install(gateway=gateway, token=token, simulator=simulator)
