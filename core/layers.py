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

How the console map shows a layer is registered beside it, by the same app (all optional, so a
layer registered without them is served by the API and drawn plainly on the map):

    layers.register("targets", ..., label=_("Sensitive targets"),
                    legend=layers.legend("kind", [("school", "#7b3294", _("School")), ...]),
                    refresh_on=[], script="hazards/map_layers.js", order=40,
                    words={"target_kind": SensitiveTarget.Kind.choices})

`script` is an ES module (a static path) whose `layers` export holds, per layer name, a
function of the map's kit returning the layer's point/style/popup (docs/architecture.md, "Map
layers"); `refresh_on` names stream event types or `noun.` prefixes that refetch the layer.
A layer served by a view of its own (alerts) registers only its presentation, `present(...)`.
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


@dataclass(frozen=True)
class Legend:
    """What the map's legend lists for a layer: the feature property its colours follow (`key`,
    "" for one colour) and its rows (value, colour, label). The map colours features from it."""

    key: str = ""
    rows: tuple[tuple[str, str, str], ...] = ()


def legend(key: str, rows: Iterable[tuple[str, str, object]]) -> Legend:
    return Legend(key=key, rows=tuple((str(v), str(c), label) for v, c, label in rows))


@dataclass(frozen=True)
class View3D:
    """A layer on the 3D park view too: its own label, legend and order where they differ."""

    order: int = 1000
    label: object = None  # None: the 2D map's label
    legend: Legend | None = None  # None: the 2D map's legend
    shown: bool = True


@dataclass(frozen=True)
class Presentation:
    """How the console map presents a layer (label, legend, which events refetch it, the ES module
    that draws its features). Registered by the app that owns the layer."""

    name: str
    label: object
    legend: Legend = Legend()
    shown: bool = False  # ticked when the map opens
    refresh_on: tuple[str, ...] = ()  # stream event types, or "noun." prefixes
    script: str = ""  # static path of the ES module exporting `layers[name]`
    order: int = 1000
    words: dict[str, dict[str, object]] = field(default_factory=dict)  # code words for popups
    map3d: View3D | None = None
    map2d: bool = True  # False: only on the 3D park view
    module: str = ""


_LAYERS: dict[str, Layer] = {}
_PRESENTED: dict[str, Presentation] = {}


def register(name: str, *, build: Callable[..., str], roles: Iterable[str], params: dict[str, str] | None = None,
             doc: str = "", label: object = None, legend: Legend | None = None, shown: bool = False,
             refresh_on: Iterable[str] = (), script: str = "", order: int = 1000,
             words: dict[str, Iterable[tuple[str, object]]] | None = None, map3d: View3D | None = None,
             map2d: bool = True) -> Layer:
    """Register a layer served at /api/v1/layers/<name>/; with `label`, also on the console map."""
    module = _caller_module()
    existing = _LAYERS.get(name)
    if existing is not None and existing.module != module:
        raise ValueError(f"layer {name!r} is already registered by {existing.module}")
    layer = Layer(name=name, build=build, roles=frozenset(roles), params=dict(params or {}), doc=doc, module=module)
    _LAYERS[name] = layer
    if label is not None:
        _present(name, module=module, label=label, legend=legend, shown=shown, refresh_on=refresh_on, script=script,
                 order=order, words=words, map3d=map3d, map2d=map2d)
    return layer


def present(name: str, *, label: object, legend: Legend | None = None, shown: bool = False,
            refresh_on: Iterable[str] = (), script: str = "", order: int = 1000,
            words: dict[str, Iterable[tuple[str, object]]] | None = None,
            map3d: View3D | None = None, map2d: bool = True) -> Presentation:
    """The map presentation of a layer served by a view of its own (not by `register`)."""
    return _present(name, module=_caller_module(), label=label, legend=legend, shown=shown, refresh_on=refresh_on,
                    script=script, order=order, words=words, map3d=map3d, map2d=map2d)


def presented() -> list[Presentation]:
    """Every layer the console map may offer, in the map's order."""
    return sorted((p for p in _PRESENTED.values() if p.map2d), key=lambda p: (p.order, p.name))


def presented_3d() -> list[Presentation]:
    """The layers of the 3D park view, in its order."""
    return sorted((p for p in _PRESENTED.values() if p.map3d), key=lambda p: (p.map3d.order, p.name))


def _present(name, *, module, label, legend, shown, refresh_on, script, order, words, map3d, map2d) -> Presentation:
    existing = _PRESENTED.get(name)
    if existing is not None and existing.module != module:
        raise ValueError(f"layer {name!r} is already presented by {existing.module}")
    if isinstance(refresh_on, str):
        raise TypeError("refresh_on is a list of event types or prefixes, not one string")
    entry = Presentation(
        name=name, label=label, legend=legend or Legend(), shown=shown, refresh_on=tuple(refresh_on), script=script,
        order=order, words={group: dict(choices) for group, choices in (words or {}).items()}, map3d=map3d,
        map2d=map2d, module=module)
    _PRESENTED[name] = entry
    return entry


def _caller_module() -> str:
    import inspect

    frame = inspect.currentframe()
    # Two frames up: the app module that called register() or present().
    frame = frame.f_back.f_back if frame and frame.f_back else None
    return frame.f_globals.get("__name__", "") if frame else ""


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
