"""Browser-facing security pieces: login throttling, the read-only history, NUL bytes, proxies.

(The Content-Security-Policy is django-csp's, configured in settings: command/csp.py.)

Login throttling (OWASP Authentication Cheat Sheet). From the LOGIN_FAILURE_LIMIT-th failed
login for one username from one address, that pair must wait before its next try:
LOGIN_DELAY_BASE_S, then twice as long after each further failure, up to LOGIN_DELAY_MAX_S.
A success clears the count; a quiet LOGIN_FAILURE_WINDOW_S forgets it. Nobody is locked out for
long, and nobody elsewhere can lock a user out: the address is the connection's own, or the
one a configured proxy reports (TrustedProxyMiddleware, TRUSTED_PROXIES), never a header a
client made up. Counters live in Redis (LOGIN_THROTTLE_REDIS_URL), shared by every Daphne
process and kept across restarts; every delay imposed is logged. We keep this rather than
django-axes: one rule on three doors (the login page, the admin login and the API token
endpoint), a few lines, no extra tables. The check sits in the authentication backend, so
every door obeys it; the login page and the token endpoint also say plainly how long to wait.
If Redis is unreachable the throttle steps aside (logged): during an emergency a duty officer
must be able to log in even when Redis is down.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import re
import time

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import HttpResponseBadRequest, HttpResponseForbidden, JsonResponse
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, parsers, status
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response

from core import api_base

log = logging.getLogger(__name__)


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


# --- Forwarded headers ---------------------------------------------------------------

def _networks(entries) -> list:
    return [ipaddress.ip_network(entry, strict=False) for entry in entries]


def _trusted(address: str, networks) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def forwarded_client(remote_addr: str, forwarded_for: str, trusted) -> str:
    """The client's address: REMOTE_ADDR, unless that is a trusted proxy; then the right-most
    address in X-Forwarded-For that is not one of our proxies (everything left of it was
    written by the client and may be forged)."""
    if not trusted or not _trusted(remote_addr, trusted):
        return remote_addr
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, trusted):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return remote_addr  # garbage from beyond our proxies: stay with what we know
    return remote_addr


class TrustedProxyMiddleware:
    """Believe X-Forwarded-For and X-Forwarded-Proto only from TRUSTED_PROXIES.

    Daphne's --proxy-headers would take any client's X-Forwarded-For as its address, so one
    attacker could spread guesses over invented addresses, or lock a victim out by sending
    "their" address. Daphne runs without it; this middleware, first in the chain, rewrites
    REMOTE_ADDR from the header only when the connection comes from a configured proxy, and
    removes the forwarded headers otherwise (so SECURE_PROXY_SSL_HEADER cannot be forged).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.trusted = _networks(settings.TRUSTED_PROXIES)

    def __call__(self, request):
        remote = request.META.get("REMOTE_ADDR") or ""
        if self.trusted and _trusted(remote, self.trusted):
            request.META["REMOTE_ADDR"] = forwarded_client(remote, request.META.get("HTTP_X_FORWARDED_FOR", ""),
                                                           self.trusted)
        else:
            for header in ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST",
                           "HTTP_X_FORWARDED_PORT", "HTTP_X_REAL_IP", "HTTP_FORWARDED"):
                request.META.pop(header, None)
        return self.get_response(request)


# --- Login throttling ----------------------------------------------------------------
# OWASP Authentication Cheat Sheet ("Account lockout", "Login throttling") and Django's
# security guide: slow the guesser down with delays that grow with every failure, rather
# than lock the account, so that the real user (an officer in an emergency) can always get
# in after a short wait; count per username *and* address so nobody elsewhere can lock
# them out; log every delay imposed.

THROTTLED_MESSAGE = _("Too many failed logins for this username from your address. "
                      "Wait %(seconds)s seconds and try again, or ask an administrator to reset your password.")


def client_ip(request) -> str:
    # TrustedProxyMiddleware has already put the real client in REMOTE_ADDR (or refused to
    # believe a forwarded header); the API token view and the admin see the same request.
    return (request.META.get("REMOTE_ADDR") if request is not None else None) or "unknown"


_redis_client = None


def _redis():
    global _redis_client
    if _redis_client is None:
        import redis

        _redis_client = redis.Redis.from_url(settings.LOGIN_THROTTLE_REDIS_URL, socket_timeout=1,
                                             socket_connect_timeout=1)
    return _redis_client


def _key(username: str, ip: str) -> str:
    digest = hashlib.sha256(f"{(username or '').strip().lower()}|{ip}".encode()).hexdigest()
    return f"{settings.LOGIN_THROTTLE_PREFIX}{digest}"


def wait_seconds(username: str, ip: str) -> int:
    """Seconds until this username may try again from this address; 0 when it may now."""
    try:
        until = _redis().hget(_key(username, ip), "until")
    except Exception:  # noqa: BLE001 - see the module docstring: fail open, loudly
        log.warning("login throttle: Redis unavailable, not throttling", exc_info=True)
        return 0
    if until is None:
        return 0
    return max(0, math.ceil(float(until) - time.time()))


def is_locked(username: str, ip: str) -> bool:
    return wait_seconds(username, ip) > 0


def delay_after(failures: int) -> int:
    """No delay for the first LOGIN_FAILURE_LIMIT - 1 failures, then BASE, 2×BASE, 4×BASE … MAX."""
    over = failures - settings.LOGIN_FAILURE_LIMIT
    if over < 0:
        return 0
    return min(settings.LOGIN_DELAY_MAX_S, settings.LOGIN_DELAY_BASE_S * 2 ** min(over, 30))


def record_failure(username: str, ip: str) -> None:
    key = _key(username, ip)
    try:
        failures = _redis().hincrby(key, "n", 1)
        delay = delay_after(failures)
        pipe = _redis().pipeline()
        if delay:
            pipe.hset(key, "until", time.time() + delay)
        # Counts are forgotten after a quiet window (and never before the delay has run out).
        pipe.expire(key, max(settings.LOGIN_FAILURE_WINDOW_S, delay + 1))
        pipe.execute()
    except Exception:  # noqa: BLE001
        log.warning("login throttle: cannot record a failure", exc_info=True)
        return
    if delay:
        log.warning("login throttle: %r from %s delayed %s s after %s failed logins", username, ip, delay, failures)


def clear_failures(username: str, ip: str) -> None:
    try:
        _redis().delete(_key(username, ip))
    except Exception:  # noqa: BLE001
        log.warning("login throttle: cannot clear failures", exc_info=True)


def throttled_message(username: str = "", ip: str = "") -> str:
    return THROTTLED_MESSAGE % {"seconds": max(1, wait_seconds(username, ip)) if username else 1}


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
            raise PermissionDenied(throttled_message(username, ip))
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
        if not self.has_error(NON_FIELD_ERRORS, "throttled"):
            return ""
        return throttled_message(self.cleaned_data.get("username") or "", client_ip(self.request))

    def clean(self):
        username = self.cleaned_data.get("username")
        ip = client_ip(self.request)
        if username and is_locked(username, ip):
            raise ValidationError(throttled_message(username, ip), code="throttled")
        try:
            return super().clean()
        except ValidationError:
            if username and is_locked(username, ip):
                raise ValidationError(throttled_message(username, ip), code="throttled") from None
            raise


class LoginView(auth_views.LoginView):
    authentication_form = ThrottledAuthenticationForm


class ThrottledObtainAuthToken(ObtainAuthToken):
    """POST /api/v1/auth/token/: 429 with a message once the username+IP pair is locked."""

    # The project's JSON parser (DRF's own one let a lone surrogate reach the throttle's hash: a 500).
    parser_classes = [api_base.JSONParser, parsers.FormParser, parsers.MultiPartParser]

    def post(self, request, *args, **kwargs):
        username = request.data.get("username") if hasattr(request.data, "get") else None
        ip = client_ip(request)
        if isinstance(username, str) and is_locked(username, ip):
            return self._throttled(username, ip)
        try:
            return super().post(request, *args, **kwargs)
        except exceptions.ValidationError:
            if isinstance(username, str) and is_locked(username, ip):
                # This failure was the one that locked the pair: say so now, not on the next try.
                return self._throttled(username, ip)
            raise

    @staticmethod
    def _throttled(username, ip):
        wait = max(1, wait_seconds(username, ip))
        return Response({"detail": throttled_message(username, ip)}, status=status.HTTP_429_TOO_MANY_REQUESTS,
                        headers={"Retry-After": str(wait)})


obtain_auth_token = ThrottledObtainAuthToken.as_view()
