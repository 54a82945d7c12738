"""A NUL byte anywhere in a request is a 400 that says so: PostgreSQL cannot store it."""

from __future__ import annotations

from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext_lazy as _

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
