from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.decorators import api_view
from rest_framework.response import Response

from command.security import ThrottledObtainAuthToken
from core.api import ErrorSerializer, StrictSerializer
from core.roles import user_roles


@extend_schema(summary="Who am I: username, roles and unit", responses=inline_serializer("Me", {
    "username": serializers.CharField(),
    "roles": serializers.ListField(child=serializers.CharField()),
    "resource": serializers.IntegerField(allow_null=True, help_text="The user's unit, for responders"),
}))
@api_view(["GET"])
def me(request):
    responder = getattr(request.user, "responder", None)
    return Response({
        "username": request.user.username,
        "roles": sorted(user_roles(request.user)),
        "resource": responder.resource_id if responder else None,
    })


class StrictAuthTokenSerializer(StrictSerializer, AuthTokenSerializer):
    username = serializers.CharField(max_length=150, write_only=True)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, write_only=True)


class ObtainToken(ThrottledObtainAuthToken):
    """The throttled token view, refusing unknown fields like every other write."""

    serializer_class = StrictAuthTokenSerializer

    @extend_schema(
        summary="Exchange a username and password for an API token",
        request=StrictAuthTokenSerializer,
        responses={200: inline_serializer("Token", {"token": serializers.CharField()}), 429: ErrorSerializer,
                   403: OpenApiResponse(ErrorSerializer, description="An invalid Authorization header was sent")})
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    @extend_schema(
        summary="Revoke your API token (log out a program): requests and live sockets using it stop at once",
        request=None, responses={204: None, 401: ErrorSerializer, 403: ErrorSerializer})
    def delete(self, request, *args, **kwargs):
        from rest_framework import status
        from rest_framework.exceptions import NotAuthenticated

        from resources.services import token_revoke

        if not request.user or not request.user.is_authenticated:
            raise NotAuthenticated()
        token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


obtain_token = ObtainToken.as_view()
