"""The stream events of people's accounts, declared once (core.events).

`account.changed` goes to the user's own audience. Every process's stream hub reads it and at
once re-checks that user's open sockets (stream.hub): a signed-out session or revoked
token is closed, a deactivated user's sockets too, a moved responder's socket follows the unit.
The payload names an ended session or token by a fingerprint, never by the secret itself.
"""

from typing import Literal, NotRequired, TypedDict

import stream
from core import events
from core.schemas import GeoJSONPoint


class AccountChangedPayload(TypedDict):
    user: int
    reason: Literal["moved", "deactivated", "token_revoked", "logout", "enterprise_membership"]
    resource: NotRequired[int | None]  # moved: the unit they now belong to
    token: NotRequired[str]  # token_revoked: the token's fingerprint (stream.hub.fingerprint)
    session: NotRequired[str]  # logout: the session's fingerprint


ACCOUNT_CHANGED = events.register(
    stream.ACCOUNT_CHANGED,
    audiences=lambda change: [stream.audience_user(change["user"])],
    payload=lambda change: dict(change), schema=AccountChangedPayload,
    doc="A person's sign-in, role or unit changed (logout, token revoked, deactivated, moved): "
        "their open sockets are re-checked at once.",
)

class ResourceMovedPayload(TypedDict):
    id: int
    code: str
    name: str
    kind: str
    status: str
    ts: str | None
    location: GeoJSONPoint | None
    speed_kmh: float | None


def _position_payload(unit, speed_kmh=None) -> dict:
    from core.geo import point

    return {"id": unit.pk, "code": unit.code, "name": unit.name, "kind": unit.kind, "status": unit.status,
            "ts": unit.position_at, "location": point(unit.position), "speed_kmh": speed_kmh}


RESOURCE_MOVED = events.register(
    "resource.moved",
    audiences=lambda unit, speed_kmh=None: [stream.CONSOLE, stream.audience_unit(unit.pk)],
    payload=_position_payload, schema=ResourceMovedPayload,
    doc="A unit reported where it is (resources.services): every map moves its marker. Payload "
        "{id, code, name, kind, status, ts, location (GeoJSON Point), speed_kmh}.",
)
