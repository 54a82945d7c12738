"""The stream events of people's accounts, declared once (core.events).

`account.changed` goes to the user's own audience. Every process's stream hub reads it and at
once re-checks that user's open sockets (stream.hub): a signed-out session or revoked
token is closed, a deactivated user's sockets too, a moved responder's socket follows the unit.
The payload names an ended session or token by a fingerprint, never by the secret itself.
"""

from typing import Literal, NotRequired, TypedDict

import stream
from core import events


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

