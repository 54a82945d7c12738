"""More targets for `manage.py import_gis --into <name>`, from apps above places (a registry,
as map layers are): the park's zones and gates (park app). Places never imports those apps.

An importer gets the file's features as [(index, GEOSGeometry in SRID 4326 or None, {attribute:
text})] and the command's options (`replace`, `kind`, `name_field`, `path`), runs in one
transaction, and answers the line to print; it raises ValueError with a message to refuse.
"""

from __future__ import annotations

from collections.abc import Callable

Importer = Callable[..., str]

_TARGETS: dict[str, tuple[Importer, str]] = {}


def register(name: str, importer: Importer, *, doc: str = "") -> None:
    existing = _TARGETS.get(name)
    if existing is not None and existing[0] is not importer:
        raise ValueError(f"import_gis target {name!r} is already registered")
    _TARGETS[name] = (importer, doc)


def names() -> list[str]:
    return sorted(_TARGETS)


def importer(name: str) -> Importer | None:
    found = _TARGETS.get(name)
    return found[0] if found else None
