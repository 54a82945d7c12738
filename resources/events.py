"""The stream events of people's accounts, declared once (core.events).

`account.changed` goes to the user's own audience. Every process's stream hub reads it and at
once re-checks that user's open sockets (stream.hub): a signed-out session or revoked
token is closed, a deactivated user's sockets too, a moved responder's socket follows the unit.
The payload names an ended session or token by a fingerprint, never by the secret itself.
"""

import stream
from core import events

ACCOUNT_CHANGED = events.register(
    stream.ACCOUNT_CHANGED,
    audiences=lambda change: [stream.audience_user(change["user"])],
    payload=lambda change: dict(change),
    doc="A person's sign-in, role or unit changed (logout, token revoked, deactivated, moved): "
        "their open sockets are re-checked at once.",
)

