"""The audit history is read-only: simple-history's revert form in the admin is refused."""

from __future__ import annotations

import re

from django.http import HttpResponseForbidden
from django.utils.translation import gettext_lazy as _

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
