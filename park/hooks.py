"""The park's hooks into apps below it, installed at start-up (park.apps): they never import
this app. The ingester's topics park/gates/<code> and park/vehicles/<plate> (monitoring.topics;
the broker's ACLs let only the gate's or the vehicle's own device publish there), import_gis's
targets `park-zones` and `gates` (places.gis_targets), and the people a release's threat zone
holds (hazards.exposure)."""

from __future__ import annotations

from django.utils.translation import gettext as _


def gate_messages(messages: list[tuple[int, str, bytes]]) -> dict[int, list[str]]:
    """MQTT park/gates/<code>: one passage per message."""
    from park import parsing, services

    letters: dict[int, list[str]] = {}
    parsed, origin = [], []
    for n, code, payload in messages:
        try:
            parsed.append(parsing.gate_event(parsing.decode(payload), gate=code))
            origin.append(n)
        except parsing.PayloadError as exc:
            letters[n] = [str(exc)]
    if parsed:
        _new, refused = services.passages_store(events_in=parsed, device=f"mqtt:{parsed[0].gate}")
        for index, reason in refused:
            letters.setdefault(origin[index], []).append(reason)
    return letters


def vehicle_messages(messages: list[tuple[int, str, bytes]]) -> dict[int, list[str]]:
    """MQTT park/vehicles/<plate>: one position per message."""
    from park import parsing
    from park.services import tracking

    letters: dict[int, list[str]] = {}
    positions = []
    for n, plate, payload in messages:
        try:
            positions.append((n, parsing.position(parsing.decode(payload), plate=plate)))
        except parsing.PayloadError as exc:
            letters[n] = [str(exc)]
    if positions:
        _accepted, refused = tracking.vehicle_positions_store(positions=positions)
        for n, reason in refused:
            letters.setdefault(n, []).append(reason)
    return letters


def vehicle_reports(reports, *, user, auth) -> list[tuple[int, str]]:
    """`POST /api/v1/positions/` items `vehicle:<plate>` (resources.positions): from the vehicle's
    own terminal (its device token; its plate is its subject), or a program holding the ingest
    role (a 北斗 platform's feed). Answers the refused items with what to fix."""
    from core.roles import INGEST, has_role
    from devices.models import Device, DeviceKind
    from monitoring.sources import Device as DeviceIdentity
    from park import parsing
    from park.services import tracking

    refused: list[tuple[int, str]] = []
    own_plate = None
    if isinstance(auth, DeviceIdentity):
        device = Device.objects.filter(code=auth.code, revoked_at__isnull=True).first()
        if device is not None and device.kind == DeviceKind.VEHICLE_TERMINAL:
            own_plate = device.subject
    elif not has_role(user, {INGEST}):
        return [(r.index, _("Only the vehicle's own terminal (its device token) or a feed with the ingest role "
                            "reports vehicles' positions.")) for r in reports]
    positions = []
    for report in reports:
        if isinstance(auth, DeviceIdentity) and report.ident != own_plate:
            refused.append((report.index, _("This device may report only its own vehicle's position.")))
            continue
        if not parsing.CODE.match(report.ident):
            refused.append((report.index, _("A plate is at most 32 characters without spaces, '/', '#', '+' or '$'.")))
            continue
        positions.append((report.index, parsing.Position(plate=report.ident, ts=report.ts, lon=report.lon,
                                                          lat=report.lat, speed_kmh=report.speed_kmh)))
    if positions:
        _accepted, bad = tracking.vehicle_positions_store(positions=positions)
        refused += bad
    return sorted(refused)


def people_inside(boundary) -> dict:
    from park import selectors

    return selectors.people_inside(boundary)


def install() -> None:
    from hazards import exposure
    from monitoring import topics
    from park import gis_import
    from places import gis_targets

    topics.register("gates", gate_messages)
    topics.register("vehicles", vehicle_messages)
    gis_targets.register("park-zones", gis_import.zones, doc=_("Park zones: name, code, kind, enterprise"))
    gis_targets.register("gates", gis_import.gates, doc=_("Park gates: name, code, kind, zone_inside, zone_outside"))
    exposure.register("park", people_inside)
    from monitoring.sources import DeviceTokenAuthentication
    from resources import positions

    positions.register_subject("vehicle", vehicle_reports)
    positions.register_authentication(DeviceTokenAuthentication)
