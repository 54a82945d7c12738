"""The registry of stream event types: each type is declared once, by the app that owns it.

An app declares its types in `<app>/events.py` (imported at start-up by core.apps through
`autodiscover_modules("events")`, and by the app's own services):

    import stream

    from core import events

    ASSIGNMENT_CREATED = events.register(
        "assignment.created",
        audiences=lambda assignment: [stream.CONSOLE, stream.audience_unit(assignment.resource_id)],
        payload=assignment_payload,
        doc="A unit was sent to an incident.",
    )

and its services emit with `stream.publish(ASSIGNMENT_CREATED, assignment)`: the audience
rule and the payload builder both take the same subject. `core.stream.emit` refuses a type
that is not registered here, and an audience that no consumer joins (core.stream.AUDIENCES).

This module imports nothing from the project, so core.stream can import it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from core import schemas


class UnregisteredEvent(LookupError):
    pass


@dataclass(frozen=True)
class EventType:
    """`audiences` and `payload` are callables, or dotted paths to them (resolved when first
    used: a builder that lives in the app's services module would otherwise be an import loop)."""

    name: str
    audiences: Callable[..., Iterable[str]] | str
    payload: Callable[..., dict] | str
    doc: str = ""
    module: str = ""
    schema: type | None = None  # a TypedDict: the payload's shape on the wire (after JSON encoding)

    def __str__(self) -> str:
        return self.name

    def audiences_for(self, *subject) -> list[str]:
        return list(_resolve(self.audiences)(*subject))

    def payload_for(self, *subject) -> dict:
        return _resolve(self.payload)(*subject)

    def check(self, payload) -> None:
        """Raise PayloadMismatch unless `payload` (JSON-decoded) fits this type's schema."""
        if self.schema is None:
            raise schemas.PayloadMismatch(
                f"event type {self.name!r} has no payload schema: give events.register(..., schema=<TypedDict>) "
                f"in {self.module or 'its events.py'}")
        problems = schemas.problems(payload, self.schema)
        if problems:
            raise schemas.PayloadMismatch(f"{self.name} payload does not fit {getattr(self.schema, '__name__', '')}: "
                                          + "; ".join(problems))


def _resolve(rule):
    if isinstance(rule, str):
        from django.utils.module_loading import import_string

        return import_string(rule)
    return rule


_TYPES: dict[str, EventType] = {}


def register(name: str, *, audiences: Callable[..., Iterable[str]] | str, payload: Callable[..., dict] | str,
             doc: str = "", schema: type | None = None) -> EventType:
    """Declare an event type. Declaring the same name twice from two places is a mistake.
    `schema`: a TypedDict of the payload (core.schemas says which annotations it understands);
    every type needs one (tests/house/test_event_schemas.py)."""
    if schema is not None:
        schemas.require_typeddict(schema, name)
    import inspect

    frame = inspect.currentframe().f_back
    module = frame.f_globals.get("__name__", "") if frame else ""
    existing = _TYPES.get(name)
    if existing is not None and existing.module != module:
        raise ValueError(f"event type {name!r} is already declared in {existing.module}")
    event_type = EventType(name=name, audiences=audiences, payload=payload, doc=doc, module=module, schema=schema)
    _TYPES[name] = event_type
    return event_type


def declared(name: str) -> EventType:
    try:
        return _TYPES[name]
    except KeyError:
        raise UnregisteredEvent(
            f"event type {name!r} is not registered: declare it with core.events.register() "
            "in its app's events.py (docs/architecture.md, 'Events')") from None


def all_types() -> dict[str, EventType]:
    return dict(_TYPES)


# --- subscribers: one app reacting to another's events without importing it --------------
# Sibling layers (safety and monitoring, say) may not import each other (pyproject.toml,
# import-linter). An app that must react to another's change subscribes to its event type by
# name here; stream.emit_many calls each subscriber with the Event row, inside the
# emitting transaction, so what the subscriber writes (typically a procrastinate job deferred
# in that transaction) commits or rolls back with the change. Subscribers must be quick and
# must not emit events of their own types back (no loops): defer a job for real work.

_SUBSCRIBERS: dict[str, list[Callable | str]] = {}


def subscribe(names: Iterable[str], handler: Callable | str) -> None:
    """Call `handler(event)` (a callable or a dotted path to one) for every emitted event of
    these types. The types need not be registered yet: apps load in any order."""
    for name in names:
        handlers = _SUBSCRIBERS.setdefault(name, [])
        if handler not in handlers:
            handlers.append(handler)


def subscribers(name: str) -> list[Callable]:
    return [_resolve(h) for h in _SUBSCRIBERS.get(name, ())]
