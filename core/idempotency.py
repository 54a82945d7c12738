"""Retries that do not write twice: the `Idempotency-Key` header on API writes and a one-time
token on HTML forms (issue 16, point 9).

A client that sends a write twice (a retry after a timeout, a double click, five racing
requests) must get one write and the same answer each time. Following the IETF draft
"The Idempotency-Key HTTP Header Field" (draft-ietf-httpapi-idempotency-key-header) and
Stripe's long-standing practice:

- The key is scoped to the user who sent it. The first request with a key runs; its answer
  (status, body, Location) is stored in PostgreSQL *in the same transaction as the write*,
  so a write is never committed without its record, nor a record without its write.
- Requests with the same user and key are serialised by a transaction-level advisory lock:
  the second of five racing requests waits for the first to commit, then replays its answer
  (with `Idempotent-Replayed: true`) instead of writing again.
- The same key with a different request (method, path, query, body) answers 422: the client
  has a bug, and guessing which request it meant would be worse.
- Only successful answers (2xx, and 3xx for forms: post/redirect/get) are kept. A refused
  request wrote nothing, so sending it again is safe and may succeed.
- Records are kept KEEP_FOR; older ones of the same user are deleted as new ones arrive.

HTML forms carry the key in a hidden `form_token` field that command/static/command/forms.js
adds to every POST form when it is first submitted (and the submit buttons are disabled):
one token per form per page view, so a double submit replays the first answer.

Requests without a key, or from someone not signed in, pass through untouched.
"""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

HEADER = "HTTP_IDEMPOTENCY_KEY"
FORM_FIELD = "form_token"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")  # visible ASCII, as the draft's examples
KEEP_FOR = timedelta(hours=24)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Fields that differ between two submits of the very same form and are not the user's input.
IGNORED_FIELDS = frozenset({"csrfmiddlewaretoken"})


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in WRITE_METHODS:
            return self.get_response(request)
        key, from_form = _key(request)
        if key is None:
            return self.get_response(request)
        if not KEY_PATTERN.match(key):
            return _refuse(request, 400, _("An idempotency key is 1 to 255 visible ASCII characters."))
        user = _user(request)
        if user is None:
            return self.get_response(request)  # the view refuses it, or it is a login form
        fingerprint = _fingerprint(request, from_form)
        if fingerprint is None:
            return self.get_response(request)  # no length or too big: the view's own limits answer

        from core.models import IdempotencyRecord

        with transaction.atomic():
            _lock(user.pk, key)
            record = IdempotencyRecord.objects.filter(user=user, key=key).first()
            if record is not None:
                if record.fingerprint != fingerprint:
                    return _refuse(request, 422, _(
                        "This idempotency key was already used for a different request. "
                        "Use a new key for a new request."))
                return _replay(record)
            response = self.get_response(request)
            if _keep(response, from_form):
                IdempotencyRecord.objects.filter(user=user, created_at__lt=timezone.now() - KEEP_FOR).delete()
                IdempotencyRecord.objects.create(
                    user=user, key=key, fingerprint=fingerprint, status=response.status_code,
                    content_type=response.get("Content-Type", ""), location=response.get("Location", ""),
                    body=bytes(response.content))
        return response


def _key(request) -> tuple[str | None, bool]:
    header = request.META.get(HEADER)
    if header is not None:
        return header, False
    if request.META.get("CONTENT_TYPE", "").startswith(FORM_TYPES):
        try:
            token = request.POST.get(FORM_FIELD)
        except Exception:  # noqa: BLE001 - a body Django cannot parse: the view answers it
            return None, True
        return token, True
    return None, False


def _user(request):
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user
    # API clients authenticate inside DRF, after middleware; ask the same authenticators now.
    from rest_framework.authentication import SessionAuthentication
    from rest_framework.exceptions import APIException
    from rest_framework.settings import api_settings

    for authenticator_class in api_settings.DEFAULT_AUTHENTICATION_CLASSES:
        if issubclass(authenticator_class, SessionAuthentication):
            continue
        try:
            found = authenticator_class().authenticate(request)
        except APIException:
            return None
        if found:
            return found[0]
    return None


def _fingerprint(request, from_form: bool) -> str | None:
    digest = hashlib.sha256(f"{request.method} {request.path_info}?{request.META.get('QUERY_STRING', '')}".encode())
    if from_form:
        for name, values in sorted(request.POST.lists()):
            if name not in IGNORED_FIELDS:
                digest.update(repr((name, values)).encode())
        for name, upload in sorted(request.FILES.items()):
            digest.update(repr((name, upload.name, upload.size)).encode())
        return digest.hexdigest()
    try:
        length = int(request.META.get("CONTENT_LENGTH") or -1)
    except ValueError:
        return None
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if length < 0 or (limit is not None and length > limit):
        return None
    digest.update(request.META.get("CONTENT_TYPE", "").encode() + b"\n" + request.body)
    return digest.hexdigest()


def _lock(user_id: int, key: str) -> None:
    """Serialise requests with the same user and key until the first one's transaction ends."""
    number = int.from_bytes(hashlib.sha256(f"idempotency:{user_id}:{key}".encode()).digest()[:8], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [number])


def _keep(response, from_form: bool) -> bool:
    if getattr(response, "streaming", False):
        return False
    status = response.status_code
    return 200 <= status < 300 or (from_form and 300 <= status < 400)


def _replay(record) -> HttpResponse:
    response = HttpResponse(bytes(record.body), status=record.status, content_type=record.content_type or None)
    if record.location:
        response["Location"] = record.location
    response["Idempotent-Replayed"] = "true"
    return response


def _refuse(request, status: int, message: str) -> HttpResponse:
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
