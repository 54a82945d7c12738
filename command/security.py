"""Browser-facing security pieces: the Content-Security-Policy and login throttling.

CSP. Every page gets a policy without 'unsafe-inline' for scripts. Our own templates carry
no inline script at all (data goes through data-* attributes and json_script). Third-party
templates that do (django-leaflet's map and admin widget) read `request.csp_nonce`, which
this middleware sets, so their inline blocks carry a per-response nonce and still run; an
injected <script> has no nonce and does not. Styles keep 'unsafe-inline': Leaflet and the
Django admin set style attributes, and a style cannot run code.

Login throttling. LOGIN_FAILURE_LIMIT failed logins for one username from one IP address
within LOGIN_FAILURE_WINDOW_S lock that pair until the window ends; a success clears the
count. The counter lives in Django's cache (Redis in production through CACHE_URL, so all
Daphne processes share it) rather than in django-axes: we need one rule on three doors (the
login page, the admin login and the API token endpoint), and a cache counter is a few lines
with no extra tables. The check sits in the authentication backend, so every door obeys it;
the login page and the token endpoint also say plainly why they refuse. If the cache is
unreachable the throttle steps aside (logged): during an emergency a duty officer must be
able to log in even when Redis is down.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from urllib.parse import urlparse

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import HttpResponseBadRequest, HttpResponseForbidden, JsonResponse
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response

log = logging.getLogger(__name__)


# --- Content-Security-Policy ---------------------------------------------------------

def _tile_source() -> str | None:
    """The map tile server's origin, for img-src; Leaflet's {s} subdomains become a wildcard."""
    parsed = urlparse(settings.MAP_TILE_URL.replace("{s}.", "x."))
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        return None
    host = parsed.netloc
    if "{s}." in settings.MAP_TILE_URL:
        host = "*." + host.split(".", 1)[1]
    return f"{parsed.scheme}://{host}"


def content_security_policy(request, nonce: str) -> str:
    host = request.get_host()
    img = ["'self'", "data:", "blob:"]
    tiles = _tile_source()
    if tiles:
        img.append(tiles)
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", f"'nonce-{nonce}'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": img + list(settings.CSP_EXTRA_IMG_SRC),
        # 'self' covers same-origin websockets in current browsers; older ones need ws(s): spelt out.
        "connect-src": ["'self'", f"ws://{host}", f"wss://{host}"],
        "font-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


class SecurityHeadersMiddleware:
    """Sets request.csp_nonce and the CSP header (X-Frame-Options, HSTS, nosniff and the
    referrer policy come from Django's own middleware and settings)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        nonce = secrets.token_urlsafe(18)
        request.csp_nonce = nonce
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = content_security_policy(request, nonce)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)")
        return response


# --- Read-only history --------------------------------------------------------------

# django-simple-history's admin "revert" view (admin/<app>/<model>/<id>/history/<version>/)
# saves an old version straight over the object, past the services that write the timeline
# and the live stream. The audit trail is for reading: writes there are refused everywhere.
_HISTORY_FORM = re.compile(r"^/admin/[^/]+/[^/]+/[^/]+/history/[^/]+/$")


class ReadOnlyHistoryMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD", "OPTIONS") and _HISTORY_FORM.match(request.path_info):
            return HttpResponseForbidden(_("The history is a record: it cannot be changed or reverted here."))
        return self.get_response(request)


# --- NUL bytes ------------------------------------------------------------------------

NUL_MESSAGE = _("The request contains a NUL character (\\0), which no field accepts. Remove it and try again.")


def _has_nul(request) -> bool:
    if "\x00" in request.path_info:
        return True
    if any("\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()):
        return True
    content_type = request.META.get("CONTENT_TYPE", "")
    if request.method == "POST" and content_type.startswith(("application/x-www-form-urlencoded", "multipart/")):
        try:
            fields = request.POST.lists()
        except Exception:  # noqa: BLE001 - too big, malformed: the view's own parsing answers that
            return False
        return any("\x00" in key or any("\x00" in v for v in values) for key, values in fields)
    return False


class RefuseNulMiddleware:
    """400 for a NUL byte in the path, the query string or a form field.

    PostgreSQL cannot store NUL in text, so a NUL that reaches a query or an INSERT ends as a
    500. No field of ours has a use for it: refuse it at the door, for every page and API
    route at once, with a message that says what to fix. JSON bodies are checked by DRF's
    CharField (ProhibitNullCharactersValidator); file contents are the importers' business.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request):
            if request.path_info.startswith("/api/"):
                return JsonResponse({"detail": str(NUL_MESSAGE)}, status=400)
            return HttpResponseBadRequest(str(NUL_MESSAGE), content_type="text/plain; charset=utf-8")
        return self.get_response(request)


# --- Login throttling ----------------------------------------------------------------

THROTTLED_MESSAGE = _("Too many failed logins for this username from your address. "
                      "Wait %(minutes)s minutes and try again, or ask an administrator to reset your password.")


def client_ip(request) -> str:
    # Behind the proxy Daphne runs with --proxy-headers, which puts the client's address in
    # REMOTE_ADDR; we never read X-Forwarded-For ourselves (a client could forge it).
    return (request.META.get("REMOTE_ADDR") if request is not None else None) or "unknown"


def _key(username: str, ip: str) -> str:
    digest = hashlib.sha256(f"{(username or '').strip().lower()}|{ip}".encode()).hexdigest()
    return f"login-fail:{digest}"


def failures(username: str, ip: str) -> int:
    try:
        return int(cache.get(_key(username, ip)) or 0)
    except Exception:  # noqa: BLE001 - see the module docstring: fail open, loudly
        log.warning("login throttle: cache unavailable, not throttling", exc_info=True)
        return 0


def is_locked(username: str, ip: str) -> bool:
    return failures(username, ip) >= settings.LOGIN_FAILURE_LIMIT


def record_failure(username: str, ip: str) -> None:
    key = _key(username, ip)
    try:
        # add() starts the window only on the first failure; incr() does not extend it.
        if not cache.add(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW_S):
            cache.incr(key)
    except Exception:  # noqa: BLE001
        log.warning("login throttle: cannot record a failure", exc_info=True)
    else:
        if is_locked(username, ip):
            log.warning("login throttle: %r locked out from %s", username, ip)


def clear_failures(username: str, ip: str) -> None:
    try:
        cache.delete(_key(username, ip))
    except Exception:  # noqa: BLE001
        log.warning("login throttle: cannot clear failures", exc_info=True)


def throttled_message() -> str:
    return THROTTLED_MESSAGE % {"minutes": max(1, settings.LOGIN_FAILURE_WINDOW_S // 60)}


class ThrottledModelBackend(ModelBackend):
    """ModelBackend that refuses a locked username+IP pair, whichever door they knock on."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(self._username_field())
        if username is None or password is None:
            return None
        ip = client_ip(request)
        if is_locked(username, ip):
            # PermissionDenied stops Django trying other backends and counts as a failed login.
            raise PermissionDenied(throttled_message())
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            record_failure(username, ip)
        else:
            clear_failures(username, ip)
        return user

    @staticmethod
    def _username_field():
        from django.contrib.auth import get_user_model

        return get_user_model().USERNAME_FIELD


class ThrottledAuthenticationForm(AuthenticationForm):
    @property
    def throttled(self) -> str:
        """The lock-out message for the template, or "" when the pair is not locked."""
        return throttled_message() if self.has_error(NON_FIELD_ERRORS, "throttled") else ""

    def clean(self):
        username = self.cleaned_data.get("username")
        if username and is_locked(username, client_ip(self.request)):
            raise ValidationError(throttled_message(), code="throttled")
        try:
            return super().clean()
        except ValidationError:
            if username and is_locked(username, client_ip(self.request)):
                raise ValidationError(throttled_message(), code="throttled") from None
            raise


class LoginView(auth_views.LoginView):
    authentication_form = ThrottledAuthenticationForm


class ThrottledObtainAuthToken(ObtainAuthToken):
    """POST /api/v1/auth/token/: 429 with a message once the username+IP pair is locked."""

    def post(self, request, *args, **kwargs):
        username = request.data.get("username") if hasattr(request.data, "get") else None
        if isinstance(username, str) and is_locked(username, client_ip(request)):
            return Response({"detail": throttled_message()}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        try:
            return super().post(request, *args, **kwargs)
        except exceptions.ValidationError:
            if isinstance(username, str) and is_locked(username, client_ip(request)):
                # This failure was the one that locked the pair: say so now, not on the next try.
                return Response({"detail": throttled_message()}, status=status.HTTP_429_TOO_MANY_REQUESTS)
            raise


obtain_auth_token = ThrottledObtainAuthToken.as_view()
