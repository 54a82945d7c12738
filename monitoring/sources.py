"""Who may send readings for which points (docs/contract.md "Devices"). The registry of devices lives in
an app above this one (devices), which fills this hook in at start-up; monitoring asks here,
never imports it. Without a registry installed, every reading is taken as before.

- Over MQTT the broker's ACLs already let a device publish only its own topics; a gateway's
  batch names its points inside the payload, so each item's point is checked here against the
  gateway's bindings (the topic park/gateways/<code> says which gateway sent it).
- Over HTTP a device authenticates with its token (DeviceTokenAuthentication) and may send
  readings only for its own points.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions


@dataclass(frozen=True)
class Device:
    """Who sent it: enough to check a reading, and to stand as DRF's request.user."""

    code: str
    points: frozenset[str] = field(default_factory=frozenset)
    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None

    def get_username(self) -> str:
        return f"device:{self.code}"


class _Registry:
    gateway = None  # code -> Device | None (None: not a registered, active gateway)
    token = None    # token -> Device | None
    simulator = None  # prefix -> (listening identity, [gateway identities]) for the demo simulator


registry = _Registry()
_cache: dict[str, tuple[float, Device | None]] = {}
CACHE_S = 5.0  # a binding changed in the admin reaches the ingesters within this


def install(*, gateway, token, simulator=None) -> None:
    registry.gateway, registry.token, registry.simulator = gateway, token, simulator
    _cache.clear()


def _gateway(code: str) -> Device | None:
    now = time.monotonic()
    hit = _cache.get(code)
    if hit is None or now - hit[0] > CACHE_S:
        hit = (now, registry.gateway(code))
        _cache[code] = hit
    return hit[1]


def gateway_filter(code: str, data, good: list, bad: list) -> tuple[list, list]:
    """A gateway batch's (good rows, bad (index, reason)) with the items for points not bound
    to gateway `code` moved to bad. Rows are parsing.rows' tuples (point code first), in the
    order of the items not already bad."""
    if registry.gateway is None:
        return good, bad
    device = _gateway(code)
    if device is None:
        reason = _("“%(gateway)s” is not a registered, active gateway") % {"gateway": code}
        refused = [(i, reason) for i in range(len(data) if isinstance(data, list) else 0) if i not in dict(bad)]
        return [], sorted(bad + refused)
    taken = {i for i, _r in bad}
    positions = [i for i in range(len(data)) if i not in taken]
    kept, refused = [], []
    for position, row in zip(positions, good, strict=False):
        if row[0] in device.points:
            kept.append(row)
        else:
            refused.append((position, unbound_reason(row[0], code)))
    return kept, sorted(bad + refused) if refused else bad


def device_filter(device: Device, data, good: list, bad: list) -> tuple[list, list]:
    """As gateway_filter, for an HTTP sender: RawReadings of points not bound to `device` go
    to bad with the reason."""
    taken = {i for i, _r in bad}
    positions = [i for i in range(len(data)) if i not in taken]
    kept, refused = [], []
    for position, reading in zip(positions, good, strict=False):
        if reading.point in device.points:
            kept.append(reading)
        else:
            refused.append((position, unbound_reason(reading.point, device.code)))
    return kept, sorted(bad + refused) if refused else bad


def unbound_reason(point: str, device: str) -> str:
    return _("point “%(point)s” is not bound to device “%(device)s”") % {"point": point, "device": device}


class DeviceTokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <device token>`: a device, never a user."""

    def authenticate_credentials(self, key):
        device = registry.token(key) if registry.token else None
        if device is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked device token."))
        return device, device


class DeviceTokenScheme(OpenApiAuthenticationExtension):
    """In the schema: a device's token, not a user's (both say `Token`)."""

    target_class = "monitoring.sources.DeviceTokenAuthentication"
    name = "deviceToken"
    priority = 1

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "`Token <device token>`: a registered device's own token (docs/contract.md \"Devices\")."}


class IsDevice(permissions.BasePermission):
    message = gettext_lazy("Only a registered device may send readings.")

    def has_permission(self, request, view):
        return isinstance(request.auth, Device)
