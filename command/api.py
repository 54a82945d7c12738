"""Shared pieces of the REST API: errors people can act on, and role permissions."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy
from rest_framework import permissions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from command.errors import DomainError
from resources.roles import has_role


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response({"detail": str(exc.message), **exc.data}, status=exc.status)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)


def role_permission(*roles):
    """A DRF permission class admitting users holding any of `roles`."""

    class HasRole(permissions.BasePermission):
        message = gettext_lazy("Your role does not allow this.")

        def has_permission(self, request, view):
            return bool(request.user and request.user.is_authenticated and has_role(request.user, roles))

    HasRole.__name__ = "HasRole_" + "_".join(sorted(roles))
    return HasRole
