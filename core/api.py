"""Shared pieces of the REST API: errors people can act on, role permissions, strict input,
a body size limit, and the OpenAPI description of all of it."""

import datetime as dt

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.api_base import too_big_message
from core.errors import DomainError
from core.roles import has_role


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response({"detail": str(exc.message), **exc.data}, status=exc.status)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, RequestDataTooBig):
        return Response({"detail": str(too_big_message())}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, OverflowError):
        # Python parses what no column or calendar can hold (year 9999 shifted to UTC, a float
        # from a 400-digit integer) and DRF's own fields let some of it through: a 400, not a 500.
        return Response({"detail": gettext_lazy("A number or date in the request is out of range.")},
                        status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)


def role_permission(*roles):
    """A DRF permission class admitting users holding any of `roles`."""

    class HasRole(permissions.BasePermission):
        message = gettext_lazy("Your role does not allow this.")

        def has_permission(self, request, view):
            return bool(request.user and request.user.is_authenticated and has_role(request.user, roles))

    HasRole.__name__ = "HasRole_" + "_".join(sorted(roles))
    return HasRole


# --- input ---------------------------------------------------------------------------

class StrictSerializer(serializers.Serializer):
    """Refuses unknown fields: a typo in a field name should not be silently ignored."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = set(data) - set(self.fields)
            if unknown:
                raise serializers.ValidationError({name: [gettext_lazy("Unknown field.")] for name in sorted(unknown)})
        return super().to_internal_value(data)


def no_body(request) -> None:
    """For actions that take no input: a body is refused like any unknown field, so a client
    that sends one learns it was not used (malformed JSON is a 400 too)."""
    StrictSerializer(data=request.data if request.data is not None else {}).is_valid(raise_exception=True)


class _UTCIsoDateTimeField(IsoDateTimeField):
    """PostgreSQL refuses UTC offsets beyond ±15:59 that Python accepts, and years near
    1 or 9999 overflow once shifted: normalise to UTC here so such input is a 400, not a 500."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(dt.UTC)
        except (OverflowError, ValueError):
            raise DjangoValidationError(gettext_lazy("Date and time out of range."), code="invalid") from None


class DateTimeFilter(filters.IsoDateTimeFilter):
    """An ISO 8601 filter (django-filter) safe against out-of-range offsets and years."""

    field_class = _UTCIsoDateTimeField


class StrictQueryFilter(filters.DjangoFilterBackend):
    """A list's filters, with a 400 for any query parameter the list does not understand.

    django-filter ignores unknown names, so `?search=leak` or `?enterprise__in=1,2` answered
    the whole list as if filtered (issue 22): a client reading the answer as filtered acts on
    the wrong rows. Names this list takes: its filterset's, `ordering`, `limit`, `offset`,
    `format`, and the view's own `extra_query_params`."""

    ALWAYS = frozenset({"ordering", "limit", "offset", "format"})

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        allowed = set(self.ALWAYS) | set(getattr(view, "extra_query_params", ()))
        if filterset_class is not None:
            allowed |= set(filterset_class.base_filters)
        unknown = sorted(set(request.query_params) - allowed)
        if unknown:
            names = ", ".join(sorted(allowed - {"format"}))
            raise serializers.ValidationError({name[:60]: [gettext_lazy(
                "Unknown filter. This list takes: %(names)s.") % {"names": names}] for name in unknown[:20]})
        return super().filter_queryset(request, queryset, view)


# --- OpenAPI -------------------------------------------------------------------------

class ErrorSerializer(serializers.Serializer):
    """Every error that is not about particular fields: {"detail": "..."}."""

    detail = serializers.CharField()


FIELD_ERRORS = OpenApiResponse(
    response={"type": "object", "additionalProperties": {},
              "description": 'One entry per bad field, each a list of messages ({"severity": ["..."]}); '
                             '"non_field_errors" or "detail" when the input as a whole is wrong.'},
    description="Bad input; the body names each bad field.")


def _error(description):
    return OpenApiResponse(response=ErrorSerializer, description=description)


class AutoSchema(SpectacularAutoSchema):
    """Adds the error answers every endpoint can give, so clients (and schemathesis) know
    the whole contract: 401/403 without the right role, 404 for unknown ids, 400 with
    messages per field, 413 over the body limit, 415 for a body that is not JSON."""

    def map_parsers(self):
        # The API speaks JSON (docs/contract.md). Form parsers stay for old clients, but are not
        # advertised: Daphne's HTTP layer answers a malformed multipart body itself, bare.
        return ["application/json"]

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        errors = {}
        checks = list(getattr(self.view, "permission_classes", []))
        public = not checks or any(p is permissions.AllowAny for p in checks)
        if not public:
            errors["401"] = _error("Not signed in (session or `Authorization: Token ...`).")
            errors["403"] = _error("Signed in, but the role does not allow this.")
        if "{" in self.path:
            errors["404"] = _error("No such object, or not visible to this user.")
        if self.method in ("POST", "PUT", "PATCH"):
            errors["400"] = FIELD_ERRORS
            errors["409"] = _error("The request conflicts with the current state.")
            errors["413"] = _error("The body is larger than the limit.")
            errors["415"] = _error("The body is not in a supported media type.")
        elif self.get_filter_backends() or self._get_paginator() or self.get_override_parameters():
            errors["400"] = FIELD_ERRORS
        for code, response in errors.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code, ["application/json"], direction)
        return responses
