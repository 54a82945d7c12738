"""The audiences a socket can join: a registry, filled by the apps that know who belongs.

An audience is a name an event is sent to: a fixed one (`console`, `duty`, `safety`) or a
keyed one, `<kind>:<id>` with an ASCII-digit id (`user:7`, `unit:3`, `enterprise:12`). The app
that knows who belongs to it registers it in `<app>/audiences.py` (imported at start-up by
stream.apps), with its part of the hub's one batched query of users:

    # plans/audiences.py
    from stream import audiences

    audiences.register(
        "duty",
        columns=lambda now: {"on_duty": Exists(on_duty_now(now).filter(person=OuterRef("pk")))},
        member=lambda user: user.on_duty,
        doc="Officers on a duty shift right now, whatever their role.")

`columns(now)` gives annotations on the User queryset (`OuterRef("pk")` is the user); they are
read in the same single query as every other audience's, for one socket's handshake or for
every socket of a process (stream.hub.load_accounts). `member(user)` reads them off a
StreamUser (pk, roles, and one attribute per column) and says whether the user belongs
(fixed audience) or to which id(s) (keyed audience: an id, a list of ids, or None). Neither
may query the database.

Emitters refer to an audience by its name: `stream.CONSOLE`, `stream.DUTY`, `stream.SAFETY`
and `stream.audience(kind, id)` (or the constructors in stream's `__init__`), because an app
below the registering one (monitoring, below plans) must be able to send to it. emit checks
every name against this registry (`joinable`), so an event never goes to an audience nobody
can join.

This module imports no app and no model: the stream package's `__init__` loads it while
Django is still populating its apps.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Audience:
    name: str
    keyed: bool
    columns: Callable[[Any], dict] | None
    member: Callable[[Any], Any]
    doc: str
    module: str

    def joined_by(self, user) -> list[str]:
        found = self.member(user)
        if not self.keyed:
            return [self.name] if found else []
        if found is None:
            return []
        ids = [found] if isinstance(found, int) else list(found)
        return [f"{self.name}:{int(i)}" for i in ids]


_AUDIENCES: dict[str, Audience] = {}


def register(name: str, *, member: Callable[[Any], Any], columns: Callable[[Any], dict] | None = None,
             keyed: bool = False, doc: str = "") -> Audience:
    """Declare an audience (`keyed`: the kind of `<name>:<id>` audiences). Declaring one name
    from two modules is a mistake and fails at start-up."""
    if not name or ":" in name or not name.isascii() or name != name.lower():
        raise ValueError(f"an audience name is lower-case ASCII without ':' (got {name!r})")
    frame = inspect.currentframe().f_back
    module = frame.f_globals.get("__name__", "") if frame else ""
    existing = _AUDIENCES.get(name)
    if existing is not None and existing.module != module:
        raise ValueError(f"audience {name!r} is already declared in {existing.module}")
    audience = Audience(name=name, keyed=keyed, columns=columns, member=member, doc=doc, module=module)
    _AUDIENCES[name] = audience
    return audience


def registered() -> dict[str, Audience]:
    return dict(_AUDIENCES)


def fixed() -> frozenset[str]:
    return frozenset(name for name, a in _AUDIENCES.items() if not a.keyed)


def kinds() -> frozenset[str]:
    return frozenset(name for name, a in _AUDIENCES.items() if a.keyed)


def joinable(audience: str) -> bool:
    """Some socket can join it: a registered fixed name, or a registered kind with a numeric id."""
    found = _AUDIENCES.get(audience)
    if found is not None:
        return not found.keyed
    kind, sep, ident = audience.partition(":")
    found = _AUDIENCES.get(kind)
    return bool(sep) and found is not None and found.keyed and ident.isascii() and ident.isdigit()


def keyed(kind: str, ident: int) -> str:
    return f"{kind}:{int(ident)}"


def columns(now) -> dict:
    """Every audience's annotations for the hub's one query of users."""
    found: dict = {}
    for audience in _AUDIENCES.values():
        if audience.columns is not None:
            for alias, expression in audience.columns(now).items():
                if alias in found:
                    raise ValueError(f"two audiences annotate users with {alias!r}")
                found[alias] = expression
    return found


def joined_by(user) -> list[str]:
    """Every audience `user` (a StreamUser, stream.hub) belongs to, in registration order."""
    return [name for audience in _AUDIENCES.values() for name in audience.joined_by(user)]


class StreamUser:
    """One row of the hub's query of users: what audiences and the session check read.

    Plain rows, not model instances: a re-check of 5,000 sockets built 5,000 User and Responder
    model instances (about half a second of a process's CPU every STREAM_RECHECK_S); rows cost
    a tenth of that. The audiences' columns are attributes of their own names."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, *, pk: int, roles: frozenset[str], values: dict):
        self.pk = self.id = pk
        self.roles = roles
        for alias, value in values.items():
            setattr(self, alias, value)


def _user_member(user) -> int:
    return user.pk


def _console_member(user) -> bool:
    from core.roles import CONSOLE_ROLES

    return bool(user.roles & CONSOLE_ROLES)


# The two audiences of the stream itself: a person (every user's own events: notices, receipts)
# and the command centre's consoles (the roles core.roles names).
register("user", keyed=True, member=_user_member, doc="One person: `user:<id>`.")
register("console", member=_console_member, doc="Everyone holding a console role (core.roles.CONSOLE_ROLES).")
