"""The API's token authentication (REST_FRAMEWORK's DEFAULT_AUTHENTICATION_CLASSES).

A module of its own: DRF imports it while reading its settings, which core.api's OpenAPI
imports (drf-spectacular) would do too, in a cycle."""

from django.contrib.auth.models import Group
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef
from rest_framework import authentication

from core.roles import remember_roles


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, reading the user's role names in the token's own query
    (an array subquery on their groups): every API call checks a role, and this saves it a
    round trip (issue 15). Same answers and messages as DRF's."""

    def authenticate_credentials(self, key):
        from rest_framework.authtoken.models import Token  # not at import: DRF reads its settings early

        model = self.model or Token
        roles = Group.objects.filter(user=OuterRef("user_id")).values("name")
        token = model.objects.select_related("user").annotate(role_names=ArraySubquery(roles)).filter(key=key).first()
        if token is None or not token.user.is_active:
            return super().authenticate_credentials(key)  # DRF's own refusal and its message
        remember_roles(token.user, token.role_names)
        return (token.user, token)
