"""What apps above notices tell it, without notices importing them (docs/architecture.md).

Recipients: a *kind* of target (a duty post's officers on duty now, a unit's crew, a plan's
role-holders, a monitoring point's responsible persons, the duty chief) is resolved by the app
that knows, registered in its `<app>/recipients.py` (imported at start-up by notices.apps):

    # plans/recipients.py
    registry.register_recipients("duty_post", resolve=officers_on_duty_at_post,
                                 doc="Whoever is on duty now at this duty post.")

`resolve(ident)` returns a list of users and/or notices.models.Contact rows (a user is reached
through the contact linked to them, or in the app only). A bad `ident` raises DomainError.

Incident hooks: incidents registers how a notice checks its incident and writes a step on the
incident's timeline (incidents.services.timeline_add stays the one writer of the timeline).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RecipientKind:
    name: str
    resolve: Callable
    doc: str = ""


_KINDS: dict[str, RecipientKind] = {}


def register_recipients(name: str, *, resolve: Callable, doc: str = "") -> RecipientKind:
    kind = RecipientKind(name=name, resolve=resolve, doc=doc)
    _KINDS[name] = kind
    return kind


def recipient_kinds() -> dict[str, RecipientKind]:
    return dict(_KINDS)


# --- incident hooks ---------------------------------------------------------------------

_INCIDENT_HOOKS: dict[str, Callable] = {}


def register_incident_hooks(*, exists: Callable[[int], bool],
                            timeline: Callable[..., None]) -> None:
    """`exists(incident_id)`; `timeline(incident_id=, actor=, kind=, text=, data=)` inside the
    caller's transaction."""
    _INCIDENT_HOOKS["exists"] = exists
    _INCIDENT_HOOKS["timeline"] = timeline


def incident_exists(incident_id: int) -> bool:
    hook = _INCIDENT_HOOKS.get("exists")
    return bool(hook and hook(incident_id))


def incident_timeline(*, incident_id: int | None, actor, kind: str, text: str, data: dict | None = None) -> None:
    hook = _INCIDENT_HOOKS.get("timeline")
    if incident_id and hook:
        hook(incident_id=incident_id, actor=actor, kind=kind, text=text, data=data or {})
