"""Websocket handshake: who is it, and may their browser open this socket at all?

Browsers always send Origin on a websocket handshake and carry the session cookie, so a
cookie-authenticated socket must come from one of our own hosts (else any site a duty
officer visits could read the stream: cross-site websocket hijacking). Programs send no
Origin and authenticate with `Authorization: Token <key>` instead.
"""

from urllib.parse import urlparse

from channels.auth import AuthMiddleware
from channels.db import database_sync_to_async
from channels.sessions import CookieMiddleware, SessionMiddleware
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http.request import validate_host


@database_sync_to_async
def _user_for_token(key: str):
    from rest_framework.authtoken.models import Token

    try:
        token = Token.objects.select_related("user").get(key=key)
    except Token.DoesNotExist:
        return None
    return token.user if token.user.is_active else None


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin1")
    return None


def origin_allowed(origin: str) -> bool:
    parsed = urlparse(origin)
    host = parsed.hostname
    if not host or parsed.scheme not in ("http", "https"):
        return False
    host_port = f"{host}:{parsed.port}" if parsed.port else host
    allowed = list(settings.ALLOWED_HOSTS)
    for trusted in settings.CSRF_TRUSTED_ORIGINS:
        trusted_host = urlparse(trusted).hostname
        if trusted_host:
            allowed.append(trusted_host)
    return validate_host(host, allowed) or validate_host(host_port, allowed)


class _TokenOrSession:
    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        scope = dict(scope)
        scope["auth_method"] = None
        origin = _header(scope, b"origin")
        authorization = _header(scope, b"authorization")
        if origin is not None and not origin_allowed(origin):
            scope["user"] = AnonymousUser()
            scope["refused"] = "origin"
            return await self.inner(scope, receive, send)
        if authorization and authorization.lower().startswith("token "):
            user = await _user_for_token(authorization[6:].strip())
            scope["user"] = user or AnonymousUser()
            scope["auth_method"] = "token" if user else None
            return await self.inner(scope, receive, send)
        if origin is None:
            # A cookie without Origin is not a browser we can vouch for.
            scope["user"] = AnonymousUser()
            scope["refused"] = "origin"
            return await self.inner(scope, receive, send)
        scope["auth_method"] = "session"
        return await self.inner(scope, receive, send)


def StreamAuthMiddleware(inner):  # noqa: N802 - reads like the Channels middleware stacks
    session_stack = CookieMiddleware(SessionMiddleware(AuthMiddleware(inner)))
    return _TokenOrSession(_SessionIfNeeded(session_stack, inner))


class _SessionIfNeeded:
    def __init__(self, session_stack, inner):
        self.session_stack = session_stack
        self.inner = inner

    async def __call__(self, scope, receive, send):
        if scope.get("auth_method") == "session":
            return await self.session_stack(scope, receive, send)
        return await self.inner(scope, receive, send)
