from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.response import Response

from resources.roles import user_roles


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
