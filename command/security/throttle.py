"""Login throttling (OWASP Authentication Cheat Sheet) on the login page, the admin login and
the API token endpoint; the package's docstring gives the rule."""

from __future__ import annotations

import hashlib
import logging
import math
import time

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, parsers, status
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response

from core import api_base

# The name operators filter on (docs/operations.md) stays that of the package.
log = logging.getLogger("command.security")


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
