"""The live stream, in one package: what a service emits, and how it reaches the sockets.

    log.py        the durable event log in PostgreSQL: emit / publish (services only)
    doorbell.py   after commit, one Redis message per commit to every process's hub
    audiences.py  who may hear what: a registry each app fills in its <app>/audiences.py
    hub.py        one reader per process: reads each new event once, fans it out, re-checks accounts
    consumer.py   the one websocket endpoint: replay from `?since=`, then live through the hub
    wsauth.py     the handshake: token or same-origin session
    daphne.py     the patches to Daphne (slow readers, floods, multipart bodies), version-fenced
    routing.py    the websocket application that command.asgi mounts
    eventdoc.py   docs/api.md's list of events and audiences, generated (manage.py stream_events_doc)

Apps use this module only: `import stream`, then `stream.publish(events.X, subject)` in a
service, `stream.CONSOLE` / `stream.audience_unit(id)` for audiences. Event types are declared
in core.events (`<app>/events.py`). This package imports no app (import-linter: it sits just
above core), and this module loads no model, so Django can import it while populating apps.
"""

from stream.audiences import joinable
from stream.doorbell import HUB_GROUP, add_local_listener, remove_local_listener, ring
from stream.log import (
    ACCOUNT_CHANGED,
    RESTORE_GAP,
    emit,
    emit_many,
    events_since,
    hold_emitters_lock,
    last_seq,
    publish,
    publish_many,
    restore_continue,
)

# Audience names. The app that knows who belongs registers each (stream.audiences): `console`
# and `user` the stream itself, `unit` resources, `duty` plans, `safety` and `enterprise`
# safety. They are spelled here because apps below the registering one send to them too
# (incidents and monitoring, below plans, ring the officers on duty); emit refuses a name no
# app registered.
CONSOLE = "console"
DUTY = "duty"
SAFETY = "safety"


def audience(kind: str, ident: int) -> str:
    """A keyed audience, `<kind>:<id>`."""
    return f"{kind}:{int(ident)}"


def audience_user(user_id: int) -> str:
    return audience("user", user_id)


def audience_unit(resource_id: int) -> str:
    """A unit's crew (resources.audiences)."""
    return audience("unit", resource_id)


def audience_enterprise(enterprise_id: int) -> str:
    """The safety officers bound to one enterprise (safety.audiences)."""
    return audience("enterprise", enterprise_id)


__all__ = [
    "ACCOUNT_CHANGED", "CONSOLE", "DUTY", "HUB_GROUP", "RESTORE_GAP", "SAFETY", "add_local_listener", "audience",
    "audience_enterprise", "audience_unit", "audience_user", "emit", "emit_many", "events_since", "hold_emitters_lock",
    "joinable",
    "last_seq", "publish", "publish_many", "remove_local_listener", "restore_continue", "ring",
]
