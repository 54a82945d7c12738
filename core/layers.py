"""The registry of map layers served at /api/v1/layers/<name>/ (docs/architecture.md, "Layers").

Each app contributes the layers of its own tables in `<app>/layers.py` (imported at start-up
by core.apps), so the shell serves them without knowing any app's tables:

    from core import layers, params
    from core.roles import CONSOLE_ROLES

    def targets(*, query, bbox):
        kinds = params.parse_choice_list(query.get("kind"), name="kind", choices=SensitiveTarget.Kind.values)
        return layers.sql_feature_collection(
            table="hazards_sensitivetarget t", geometry="t.location::geometry",
            properties="json_build_object('code', t.code, 'name', t.name)",
            where=["t.kind = ANY(%(kind)s)"] if kinds else [], params={"kind": kinds}, bbox=bbox)

    layers.register("targets", build=targets, roles=CONSOLE_ROLES, params={"kind": "comma-separated kinds"})

`build(query=..., bbox=...)` gets the request's query parameters (a QueryDict) and the
parsed bbox (or None), parses its own parameters strictly with core.params (a bad value
raises DomainError: 400, never 500), and returns the FeatureCollection as GeoJSON text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import connection
from django.utils.translation import gettext as _

from core.errors import DomainError

CONTENT_TYPE = "application/geo+json"


@dataclass(frozen=True)
class Layer:
    name: str
    build: Callable[..., str]
    roles: frozenset[str]
    params: dict[str, str] = field(default_factory=dict)  # query parameter -> description
    doc: str = ""
    module: str = ""


_LAYERS: dict[str, Layer] = {}


def register(name: str, *, build: Callable[..., str], roles: Iterable[str], params: dict[str, str] | None = None,
             doc: str = "") -> Layer:
    import inspect

    frame = inspect.currentframe().f_back
    module = frame.f_globals.get("__name__", "") if frame else ""
    existing = _LAYERS.get(name)
    if existing is not None and existing.module != module:
        raise ValueError(f"layer {name!r} is already registered by {existing.module}")
    layer = Layer(name=name, build=build, roles=frozenset(roles), params=dict(params or {}), doc=doc, module=module)
    _LAYERS[name] = layer
    return layer


def get(name: str) -> Layer:
    try:
        return _LAYERS[name]
    except KeyError:
        raise DomainError(_("Unknown layer “%(name)s”.") % {"name": name}, status=404) from None


def all_layers() -> dict[str, Layer]:
    return dict(sorted(_LAYERS.items()))


def sql_feature_collection(*, table: str, geometry: str, properties: str, where: Iterable[str] = (),
                           params: dict | None = None, bbox: tuple[float, float, float, float] | None = None) -> str:
    """One layer as RFC 7946 GeoJSON text, assembled by PostgreSQL in one statement.

    `table` is the FROM clause with the layer's rows aliased `t` (the feature id is t.id),
    `geometry` an SQL expression of a 4326 geometry, `properties` an SQL json_build_object(...),
    `where` conditions with %(name)s placeholders filled from `params`. PostgreSQL builds the
    whole FeatureCollection (ST_AsGeoJSON + json_agg), so 10,000 features never become 10,000
    Python objects. RFC 7946: lon, lat in WGS 84, no "crs" member, six decimals (≈ 0.1 m),
    exterior rings counter-clockwise (ST_ForcePolygonCCW).
    """
    params = dict(params or {})
    conditions = list(where)
    if bbox is not None:
        params.update(zip(("_minx", "_miny", "_maxx", "_maxy"), bbox, strict=True))
        envelope = "ST_MakeEnvelope(%(_minx)s, %(_miny)s, %(_maxx)s, %(_maxy)s, 4326)"
        conditions.append(f"({geometry}) && {envelope} AND ST_Intersects({geometry}, {envelope})")
    sql = f"""
        SELECT json_build_object('type', 'FeatureCollection', 'features', COALESCE(json_agg(
            json_build_object('type', 'Feature', 'id', t.id,
                'geometry', ST_AsGeoJSON(ST_ForcePolygonCCW({geometry}), 6, 0)::json,
                'properties', {properties}) ORDER BY t.id), '[]'::json))::text
        FROM {table}
        {"WHERE " + " AND ".join(conditions) if conditions else ""}
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]
