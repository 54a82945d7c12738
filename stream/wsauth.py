"""Websocket handshake: who is it, and may their browser open this socket at all?

Browsers always send Origin on a websocket handshake and carry the session cookie, so a
cookie-authenticated socket must come from one of our own hosts (else any site a duty
officer visits could read the stream: cross-site websocket hijacking). Programs send no
Origin and authenticate with `Authorization: Token <key>` instead.
"""

from urllib.parse import urlparse

from channels.auth import AuthMiddleware
from channels.sessions import CookieMiddleware, SessionMiddleware
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http.request import validate_host


def _token_user(key: str):
    from rest_framework.authtoken.models import Token

    try:
        token = Token.objects.select_related("user").get(key=key)
    except Token.DoesNotExist:
        return None
    return token.user if token.user.is_active else None


async def _user_for_token(key: str):
    # On the stream's own database threads, not the one Daphne's HTTP views share.
    from stream.hub import socket_db

    return await socket_db(_token_user, key)


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin1")
    return None


DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin_tuple(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an origin, with the scheme's default port filled in."""
    try:
        parsed = urlparse(url)
        port = parsed.port
    except ValueError:
        return None
    scheme = (parsed.scheme or "").lower()
    if scheme not in DEFAULT_PORTS or not parsed.hostname:
        return None
    return scheme, parsed.hostname.lower(), port or DEFAULT_PORTS[scheme]


def _own_origin(scope) -> tuple[str, str, int] | None:
    """The origin this socket was opened on: its scheme (wss → https) and Host header, if the
    host is one of ours (ALLOWED_HOSTS), as Django's CSRF check derives the request's origin."""
    host = _header(scope, b"host")
    if not host:
        return None
    scheme = "https" if scope.get("scheme") in ("wss", "https") or _behind_tls_proxy(scope) else "http"
    own = _origin_tuple(f"{scheme}://{host}")
    if own is None or not validate_host(_bracketed(own[1]), list(settings.ALLOWED_HOSTS)):
        return None
    return own


def _behind_tls_proxy(scope) -> bool:
    """Daphne's websocket scope carries no scheme: trust the proxy's header exactly when Django
    does for HTTP (SECURE_PROXY_SSL_HEADER, set in production behind nginx)."""
    proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if not proxy_header:
        return False
    name, value = proxy_header
    header = name.removeprefix("HTTP_").lower().replace("_", "-").encode("latin1")
    return (_header(scope, header) or "").split(",")[0].strip() == value


def origin_allowed(origin: str, scope=None) -> bool:
    """Same origin in scheme, host and port (RFC 6454), or an origin listed in
    CSRF_TRUSTED_ORIGINS (exact, or `https://*.example.org` for its subdomains).

    Without a Host header (no browser omits it; only in-process test harnesses do) the
    own-origin candidates are the allowed hosts on plain HTTP at port 80 or `make run`'s 8000.
    """
    candidate = _origin_tuple(origin)
    if candidate is None:
        return False
    scheme, host, port = candidate
    for trusted in settings.CSRF_TRUSTED_ORIGINS:
        t_scheme, _sep, rest = trusted.partition("://")
        wildcard = rest.startswith("*.")
        allowed = _origin_tuple(f"{t_scheme}://{rest[2:] if wildcard else rest}")
        if allowed is None or (allowed[0], allowed[2]) != (scheme, port):
            continue
        if host == allowed[1] or (wildcard and host.endswith("." + allowed[1])):
            return True
    own = _own_origin(scope or {})
    if own is not None:
        return candidate == own
    if scope is not None and _header(scope, b"host"):
        return False  # a Host that is not ours
    return scheme == "http" and port in (80, 8000) and validate_host(_bracketed(host), list(settings.ALLOWED_HOSTS))


def _bracketed(host: str) -> str:
    """An IPv6 address as ALLOWED_HOSTS spells it ("[::1]")."""
    return f"[{host}]" if ":" in host else host


class _TokenOrSession:
    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        scope = dict(scope)
        scope["auth_method"] = None
        origin = _header(scope, b"origin")
        authorization = _header(scope, b"authorization")
        if origin is not None and not origin_allowed(origin, scope):
            scope["user"] = AnonymousUser()
            scope["refused"] = "origin"
            return await self.inner(scope, receive, send)
        if authorization and authorization.lower().startswith("token "):
            user = await _user_for_token(authorization[6:].strip())
            scope["user"] = user or AnonymousUser()
            scope["auth_method"] = "token" if user else None
            scope["token_key"] = authorization[6:].strip() if user else None
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
