"""REST API of resources (units, stocks, shelters) and of positions. Thin: filter, serialise."""

from django.db import DataError
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import extend_schema
from rest_framework import authentication, exceptions, generics, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import role_permission
from core.errors import DomainError
from core.roles import CONSOLE_ROLES
from resources import positions
from resources.models import Resource
from resources.serializers import PositionsAnswerSerializer, ResourceSerializer


class ResourceFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=Resource.Status.choices)
    kind = filters.MultipleChoiceFilter(choices=Resource.Kind.choices)

    class Meta:
        model = Resource
        fields = ["status", "kind", "agency"]


class ResourceList(generics.ListAPIView):
    serializer_class = ResourceSerializer
    permission_classes = [role_permission(*CONSOLE_ROLES)]
    filterset_class = ResourceFilter
    ordering_fields = ["code", "name", "kind", "status", "status_since"]
    queryset = Resource.objects.order_by("code")


class ResourceDetail(generics.RetrieveAPIView):
    """One resource, with its latest reported `position` (API.md "Units")."""

    serializer_class = ResourceSerializer
    permission_classes = [role_permission(*CONSOLE_ROLES)]
    queryset = Resource.objects.all()


class _RegisteredAuthentication(authentication.BaseAuthentication):
    """The credentials other apps let in (resources.positions.register_authentication): the
    first that recognises the request wins; one that refuses lets people's own try next."""

    def authenticate(self, request):
        for authentication_class in positions._authenticators:
            try:
                result = authentication_class().authenticate(request)
            except exceptions.AuthenticationFailed:
                continue
            if result is not None:
                return result
        return None


class RegisteredAuthenticationScheme(OpenApiAuthenticationExtension):
    """In the schema: the credentials another app lets in for positions (a vehicle terminal's)."""

    target_class = "resources.api._RegisteredAuthentication"
    name = "positionSenderToken"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "`Token <token>` of a position sender another app registers "
                               "(resources.positions.register_authentication), e.g. a vehicle terminal."}


class PositionsIngest(APIView):
    """Positions of units and vehicles (API.md "Gates, people and vehicles"): readings' answer,
    each rejected item with what to fix. Who may report which subject is each subject kind's
    handler's to say (a responder: their own unit only)."""

    permission_classes = [permissions.IsAuthenticated]

    def get_authenticators(self):
        return [_RegisteredAuthentication(), *super().get_authenticators()]

    @extend_schema(request={"application/json": {"type": "array", "maxItems": positions.MAX_ITEMS,
                                                  "items": {"type": "object"}}},
                   responses={202: PositionsAnswerSerializer})
    def post(self, request):
        try:
            answer = positions.positions_ingest(data=request.data, user=request.user, auth=request.auth)
        except positions.PayloadError as exc:
            raise DomainError(str(exc)) from None
        except DataError as exc:  # input the database refuses: the client's to fix
            raise DomainError(_("The database refused these positions: %(e)s") % {"e": exc}) from None
        return Response(answer, status=status.HTTP_202_ACCEPTED)
