"""`manage.py import_gis <file> --into park-zones | gates` (places.gis_targets): the park's zones
and gates from the park's own GIS files. Attributes: zones `code`, `name` (or --name-field),
`kind` (enterprise | public | parking), `enterprise` (an enterprise code, for enterprise
sites), `capacity` and `hazmat` (1/true) for lots; gates `code`, `name`, `kind` (vehicle |
person), `zone_inside`, `zone_outside` (zone codes; empty: the gate leads out of the park).
A feature that cannot be one is named in the refusal and nothing is imported; features with a
code already there update it (run it again after an edit)."""

from __future__ import annotations

from django.contrib.gis.geos import MultiPolygon, Polygon
from django.core.exceptions import ValidationError

from hazards.models import Enterprise
from park.models import CODE_VALIDATOR, Gate, ParkZone

TRUE = {"1", "true", "yes", "y", "t"}


def _code(attrs: dict, index: int) -> str:
    code = attrs.get("code", "")
    try:
        CODE_VALIDATOR(code)
    except ValidationError:
        raise ValueError(f"feature #{index + 1}: 'code' {code!r} is not a code (1-32 characters, no spaces)") from None
    return code


def zones(features, *, replace=False, name_field="name", **_opts) -> str:
    enterprises = dict(Enterprise.objects.values_list("code", "pk"))
    if replace:
        ParkZone.objects.filter(gates_in__isnull=True, gates_out__isnull=True, appointments__isnull=True).delete()
    count = 0
    for index, geometry, attrs in features:
        code = _code(attrs, index)
        if isinstance(geometry, MultiPolygon) and len(geometry) == 1:
            geometry = geometry[0]
        if not isinstance(geometry, Polygon):
            raise ValueError(f"feature #{index + 1} ({code}): a zone is a polygon")
        kind = attrs.get("kind", "")
        if kind not in ParkZone.Kind.values:
            raise ValueError(f"feature #{index + 1} ({code}): 'kind' must be one of {', '.join(ParkZone.Kind.values)}")
        enterprise = attrs.get("enterprise", "")
        if enterprise and enterprise not in enterprises:
            raise ValueError(f"feature #{index + 1} ({code}): no enterprise with code {enterprise!r}")
        capacity = attrs.get("capacity", "")
        if capacity and not (capacity.isascii() and capacity.isdigit()):
            raise ValueError(f"feature #{index + 1} ({code}): 'capacity' must be a whole number")
        name = attrs.get(name_field or "name", "") or code
        ParkZone.objects.update_or_create(code=code, defaults={
            "name": name[:200], "kind": kind, "area": geometry, "enterprise_id": enterprises.get(enterprise),
            "capacity": int(capacity) if capacity else None,
            "hazmat_lot": kind == ParkZone.Kind.PARKING and attrs.get("hazmat", "").lower() in TRUE})
        count += 1
    return f"Imported {count} park zone(s)."


def gates(features, *, replace=False, name_field="name", **_opts) -> str:
    zone_ids = dict(ParkZone.objects.values_list("code", "pk"))
    count = 0
    for index, geometry, attrs in features:
        code = _code(attrs, index)
        if geometry is None or geometry.geom_type != "Point":
            raise ValueError(f"feature #{index + 1} ({code}): a gate is a point")
        kind = attrs.get("kind", "")
        if kind not in Gate.Kind.values:
            raise ValueError(f"feature #{index + 1} ({code}): 'kind' must be one of {', '.join(Gate.Kind.values)}")
        inside, outside = attrs.get("zone_inside", ""), attrs.get("zone_outside", "")
        for label, zone in (("zone_inside", inside), ("zone_outside", outside)):
            if (zone or label == "zone_inside") and zone not in zone_ids:
                raise ValueError(f"feature #{index + 1} ({code}): '{label}' {zone!r} is no park zone "
                                 f"(import the zones first)")
        Gate.objects.update_or_create(code=code, defaults={
            "name": (attrs.get(name_field or "name", "") or code)[:200], "kind": kind, "location": geometry,
            "zone_inside_id": zone_ids[inside], "zone_outside_id": zone_ids.get(outside) if outside else None})
        count += 1
    return f"Imported {count} gate(s)."
