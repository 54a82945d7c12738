"""`Authorization: Token <exchange token>`: an enterprise's own dual-prevention system. The
request acts as that system's account (an enterprise officer of that one enterprise), and
`request.auth` is the Credential, so only the exchange's endpoint accepts it."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from exchange import services
from exchange.models import Credential


class ExchangeTokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key):
        credential = services.credential_for_token(key)
        if credential is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked exchange token."))
        return credential.account, credential


class ExchangeTokenScheme(OpenApiAuthenticationExtension):
    target_class = "exchange.auth.ExchangeTokenAuthentication"
    name = "exchangeToken"
    priority = 1

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "`Token <exchange token>`: an enterprise system's own token (docs/api.md "
                               "\"双重预防 exchange\")."}


class IsExchangeCredential(permissions.BasePermission):
    message = _("Only an enterprise system's exchange token may send batches.")

    def has_permission(self, request, view):
        return isinstance(request.auth, Credential)
