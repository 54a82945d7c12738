"""Bearer tokens are stored only as their hash: the one hash every app uses to store and look up
a device's, an exchange account's or any other secret shown once."""

from __future__ import annotations

import hashlib


def token_hash(token: str) -> str:
    # errors="replace": a token sent with a lone surrogate (JSON allows one) hashes to something
    # that matches nothing, instead of raising in the lookup.
    return hashlib.sha256(token.encode("utf-8", errors="replace")).hexdigest()
