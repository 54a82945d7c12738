"""The shell's security pieces, one concern per module (the settings name each class here):
history (the audit history is read-only), nul (NUL bytes refused), proxies (forwarded headers
believed only from TRUSTED_PROXIES), throttle (login throttling on every door). The
Content-Security-Policy is django-csp's, configured in settings (command/csp.py adds the nonce
on every response and this host's websocket origins).

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

from command.security.history import (
    ReadOnlyHistoryMiddleware,
)
from command.security.nul import (
    NUL_MESSAGE,
    RefuseNulMiddleware,
)
from command.security.proxies import (
    TrustedProxyMiddleware,
    forwarded_client,
)
from command.security.throttle import (
    THROTTLED_MESSAGE,
    LoginView,
    ThrottledAuthenticationForm,
    ThrottledModelBackend,
    ThrottledObtainAuthToken,
    _key,
    _redis,
    clear_failures,
    client_ip,
    delay_after,
    is_locked,
    obtain_auth_token,
    record_failure,
    throttled_message,
    wait_seconds,
)

__all__ = [
    "LoginView",
    "NUL_MESSAGE",
    "ReadOnlyHistoryMiddleware",
    "RefuseNulMiddleware",
    "THROTTLED_MESSAGE",
    "ThrottledAuthenticationForm",
    "ThrottledModelBackend",
    "ThrottledObtainAuthToken",
    "TrustedProxyMiddleware",
    "_key",
    "_redis",
    "clear_failures",
    "client_ip",
    "delay_after",
    "forwarded_client",
    "is_locked",
    "obtain_auth_token",
    "record_failure",
    "throttled_message",
    "wait_seconds",
]
