"""The Content-Security-Policy: a per-response nonce, no 'unsafe-inline' for scripts
(the package's docstring says why each source is allowed)."""

from __future__ import annotations

import secrets
from urllib.parse import urlparse

from django.conf import settings

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


def _tileset_source() -> list[str]:
    """The 3D Tiles server's origin (MAP_3D_TILESET_URL), which the 3D view fetches from."""
    parsed = urlparse(settings.MAP_3D_TILESET_URL)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        return []
    return [f"{parsed.scheme}://{parsed.netloc}"]


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
        "connect-src": ["'self'", f"ws://{host}", f"wss://{host}", *_tileset_source()],
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
