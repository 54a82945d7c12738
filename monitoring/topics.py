"""More MQTT topics for the ingester, from apps above monitoring (a registry, as layers are):
an app registers `<prefix>/<kind>/+` with a handler, and the ingester subscribes to it and
hands it that kind's messages of each batch. Monitoring never imports those apps.

A handler gets [(message index, code from the topic, payload bytes)] inside the batch's
transaction (it runs in a savepoint of its own) and answers {message index: [reasons]} for the
messages it could not use: they become dead letters with those reasons. If the database
refuses a group, the ingester retries each message on its own, so one bad message does not
sink the others.
"""

from __future__ import annotations

from collections.abc import Callable

Handler = Callable[[list[tuple[int, str, bytes]]], dict[int, list[str]]]

_HANDLERS: dict[str, Handler] = {}


def register(kind: str, handler: Handler) -> None:
    if kind in ("points", "gateways") or not kind.isascii() or not kind.isalnum():
        raise ValueError(f"MQTT topic kind {kind!r} is reserved or not plain ASCII")
    existing = _HANDLERS.get(kind)
    if existing is not None and existing is not handler:
        raise ValueError(f"MQTT topic kind {kind!r} is already registered")
    _HANDLERS[kind] = handler


def handler(kind: str) -> Handler | None:
    return _HANDLERS.get(kind)


def kinds() -> list[str]:
    return sorted(_HANDLERS)
