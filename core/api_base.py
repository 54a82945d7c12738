"""API pieces named in settings: body limits (for the API and pages) and pagination.

Kept apart from core.api: DRF reads these settings while defining APIView and
GenericAPIView, so this module must not import rest_framework.views or generics."""

import codecs
import json

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.utils.translation import gettext_lazy
from rest_framework import pagination, parsers
from rest_framework.exceptions import ParseError

from core.text import find_unstorable


def too_big_message():
    limit_kb = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024
    return gettext_lazy("The request body is too large: at most %(kb)s KB.") % {"kb": limit_kb}



class JSONParser(parsers.JSONParser):
    """DRF's JSON parser reads the stream itself, past Django's DATA_UPLOAD_MAX_MEMORY_SIZE
    check on request.body; this one stops at the limit (chunked bodies carry no length)."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if stream is not None else b""
        if limit is not None and len(raw) > limit:
            raise RequestDataTooBig(str(too_big_message()))
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.decode(raw, encoding)
            data = json.loads(text, parse_constant=_refuse_constant)
        except (ValueError, LookupError) as exc:
            raise ParseError(gettext_lazy("Malformed JSON: %(error)s") % {"error": exc}) from None
        # Control characters and lone surrogates: a 400 naming the field (core.text).
        problem = find_unstorable(data)
        if problem:
            raise ParseError(problem)
        return data


def _refuse_constant(name):
    raise ValueError(f"{name} is not valid JSON")


class BodySizeLimitMiddleware:
    """413 for bodies announced over DATA_UPLOAD_MAX_MEMORY_SIZE, before anything reads them.

    Django alone answers an oversized form with a bare 400, and only when a view touches
    request.POST. File uploads (multipart) are left to Django, which limits their non-file
    fields and streams files to disk."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        multipart = request.META.get("CONTENT_TYPE", "").startswith("multipart/")
        if limit is not None and length > limit and not multipart:
            return JsonResponse({"detail": str(too_big_message())}, status=413)
        return self.get_response(request)


class Pagination(pagination.LimitOffsetPagination):
    """?limit=&offset= with limits PostgreSQL can take: a limit over 1000 is 1000, and an offset
    past any real table is clamped (an empty page) rather than a bigint overflow."""

    max_limit = 1000
    max_offset = 2**31

    def get_offset(self, request):
        return min(super().get_offset(request), self.max_offset)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 0
            if parameter["name"] == self.limit_query_param:
                parameter["schema"]["maximum"] = self.max_limit
        return parameters
