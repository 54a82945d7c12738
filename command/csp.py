"""The Content-Security-Policy, through django-csp.

The policy itself is settings (CONTENT_SECURITY_POLICY at the end of command/settings.py). This
subclass adds the two things a static setting cannot say:

- The nonce is on every response. django-csp only puts it in the header when something read
  `request.csp_nonce`; our own templates carry no inline script and never do, but a policy that
  names a fresh nonce on every page keeps one shape everywhere (tests/security pin it), and
  django-leaflet's inline blocks (the map and the admin widget) read the same nonce.
- connect-src names this host's ws:// and wss:// origins: 'self' covers same-origin websockets
  in current browsers, older ones need them spelt out, and the host is the request's.

It also sets the Permissions-Policy, which Django's SecurityMiddleware does not. Only
django-csp's documented extension point (get_policy_parts) and public attributes are used.
"""

from __future__ import annotations

from csp.middleware import CSPMiddleware, PolicyParts


class CommandCSPMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        str(request.csp_nonce)  # reading it is what puts the nonce in the header (django-csp's lazy nonce)
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only:
            host = request.get_host()
            parts.update = {**(parts.update or {}), "connect-src": [f"ws://{host}", f"wss://{host}"]}
        return parts

    def process_response(self, request, response):
        response = super().process_response(request, response)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)")
        return response
