"""Payload schemas of stream events: TypedDicts, checked by a small validator.

A schema describes the payload as a client receives it (after JSON encoding: datetimes and
decimals are strings). The validator understands what payloads use, and refuses the rest when
the type is registered, so a schema never silently checks less than it says:

    int, float (an int is a float too), str, bool, None, Any, dict (any object), list (any array),
    X | None, X | Y, Literal["a", "b"], list[X], dict[str, X], a nested TypedDict,
    NotRequired[X] (the key may be missing).

Keys not in the schema are refused: a payload grows by editing its schema, in the same change.
"""

from __future__ import annotations

import types
from typing import Any, Literal, TypedDict, Union, get_args, get_origin, get_type_hints, is_typeddict


class PayloadMismatch(TypeError):
    pass


class GeoJSONPoint(TypedDict):
    type: Literal["Point"]
    coordinates: list[float]  # [lon, lat]


class GeoJSONPolygon(TypedDict):
    type: Literal["Polygon"]
    coordinates: list[list[list[float]]]


def require_typeddict(schema, name: str) -> None:
    """A TypedDict whose annotations this module understands (or plain `dict`, any object: only for
    the stream's own test types)."""
    if schema is dict:
        return
    if not is_typeddict(schema):
        raise TypeError(f"event type {name!r}: schema must be a TypedDict class, not {schema!r}")
    for key, hint in _hints(schema).items():
        _check_hint(hint, f"{name}.{key}")


def problems(value, schema, path: str = "payload") -> list[str]:
    """What in `value` does not fit `schema` (a TypedDict or an annotation); [] when it fits."""
    return _problems(value, schema, path)


def describe(hint) -> str:
    """An annotation as docs/api.md spells it."""
    if is_typeddict(hint):
        return "{" + ", ".join(f"{k}{'' if k in hint.__required_keys__ else '?'}: {describe(h)}"
                               for k, h in _hints(hint).items()) + "}"
    origin, args = get_origin(hint), get_args(hint)
    if hint is type(None) or hint is None:
        return "null"
    if hint is Any:
        return "any"
    if origin is Literal:
        return " | ".join(repr(a).replace("'", '"') for a in args)
    if origin in (Union, types.UnionType):
        return " | ".join(describe(a) for a in args)
    if origin is list:
        return f"[{describe(args[0])}]" if args else "[any]"
    if origin is dict:
        return f"{{str: {describe(args[1])}}}" if args else "object"
    return {int: "int", float: "number", str: "str", bool: "bool", dict: "object", list: "[any]"}.get(hint, repr(hint))


def _hints(schema) -> dict:
    return get_type_hints(schema)


_SCALARS = (int, float, str, bool, dict, list)


def _check_hint(hint, where: str) -> None:
    if hint in _SCALARS or hint is Any or hint is type(None) or is_typeddict(hint):
        if is_typeddict(hint):
            for key, inner in _hints(hint).items():
                _check_hint(inner, f"{where}.{key}")
        return
    origin, args = get_origin(hint), get_args(hint)
    if origin is Literal:
        return
    if origin in (Union, types.UnionType, list, dict):
        for arg in args:
            _check_hint(arg, where)
        return
    raise TypeError(f"{where}: core.schemas does not understand {hint!r}")


def _problems(value, hint, path: str) -> list[str]:
    if hint is Any:
        return []
    if is_typeddict(hint):
        if not isinstance(value, dict):
            return [f"{path} is {_kind(value)}, not an object"]
        found = []
        hints = _hints(hint)
        for key in sorted(hint.__required_keys__ - set(value)):
            found.append(f"{path}.{key} is missing")
        for key in sorted(set(value) - set(hints)):
            found.append(f"{path}.{key} is not in the schema")
        for key, inner in hints.items():
            if key in value:
                found += _problems(value[key], inner, f"{path}.{key}")
        return found
    if hint is type(None) or hint is None:
        return [] if value is None else [f"{path} is {_kind(value)}, not null"]
    origin, args = get_origin(hint), get_args(hint)
    if origin is Literal:
        return [] if value in args and type(value) in {type(a) for a in args} else [
            f"{path} is {value!r}, not one of {list(args)}"]
    if origin in (Union, types.UnionType):
        attempts = [_problems(value, arg, path) for arg in args]
        if any(not a for a in attempts):
            return []
        return [f"{path} is {_kind(value)}, not {describe(hint)}" if len(attempts) > 1 else attempts[0][0]]
    if origin is list or hint is list:
        if not isinstance(value, list):
            return [f"{path} is {_kind(value)}, not an array"]
        if not args:
            return []
        return [p for n, item in enumerate(value) for p in _problems(item, args[0], f"{path}[{n}]")]
    if origin is dict or hint is dict:
        if not isinstance(value, dict):
            return [f"{path} is {_kind(value)}, not an object"]
        if not args:
            return []
        return [p for key, item in value.items() for p in _problems(item, args[1], f"{path}[{key!r}]")]
    if hint is bool:
        return [] if isinstance(value, bool) else [f"{path} is {_kind(value)}, not bool"]
    if hint is int:
        return [] if isinstance(value, int) and not isinstance(value, bool) else [f"{path} is {_kind(value)}, not int"]
    if hint is float:
        return [] if isinstance(value, int | float) and not isinstance(value, bool) else [
            f"{path} is {_kind(value)}, not a number"]
    if hint is str:
        return [] if isinstance(value, str) else [f"{path} is {_kind(value)}, not str"]
    raise TypeError(f"{path}: core.schemas does not understand {hint!r}")


def _kind(value) -> str:
    if value is None:
        return "null"
    return {bool: "a bool", int: "an int", float: "a number", str: "a str", list: "an array",
            dict: "an object"}.get(type(value), type(value).__name__)


