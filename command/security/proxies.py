"""X-Forwarded-For/-Proto believed only from the reverse proxies in TRUSTED_PROXIES."""

from __future__ import annotations

import ipaddress

from django.conf import settings

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
