"""/api/v1/releases/: toxic releases, modelled by hazards, optionally for an incident.

Served here rather than in hazards because a release may name an incident, and only
incidents (above hazards) knows incidents: the link is incidents.IncidentRelease.
docs/contract.md, "Chemical park". Thin: parse, call a service, render.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.response import Response

from core.api import role_permission
from core.roles import CONSOLE_ROLES, INTAKE_ROLES
from hazards import serializers as hazard_serializers
from hazards.models import Release
from incidents import services

ConsoleRead = role_permission(*CONSOLE_ROLES)
RunRelease = role_permission(*INTAKE_ROLES)
_MAX_ID = 2**63 - 1  # ids are bigint


class ReleaseInputSerializer(hazard_serializers.ReleaseInputSerializer):
    incident = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=_MAX_ID)


class ReleaseSerializer(hazard_serializers.ReleaseSerializer):
    incident = serializers.SerializerMethodField()

    class Meta(hazard_serializers.ReleaseSerializer.Meta):
        fields = ["id", "chemical", "location", "incident", *hazard_serializers.ReleaseSerializer.Meta.fields[3:]]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_incident(self, obj):
        link = getattr(obj, "incident_link", None)
        return link.incident_id if link is not None else None


def _releases():
    return Release.objects.select_related("chemical", "incident_link").prefetch_related("zones")


@extend_schema(methods=["GET"], responses=ReleaseSerializer(many=True), summary="The latest 50 modelled releases")
@extend_schema(methods=["POST"], request=ReleaseInputSerializer, responses={201: ReleaseSerializer},
               summary="Model a toxic release: threat zones per level of concern")
@api_view(["GET", "POST"])
@permission_classes([ConsoleRead])
def releases(request):
    if request.method == "GET":
        return Response(ReleaseSerializer(_releases()[:50], many=True).data)
    # Viewers and planners read; only the intake roles run a model that every console sees.
    if not RunRelease().has_permission(request, None):
        return Response({"detail": RunRelease.message}, status=status.HTTP_403_FORBIDDEN)
    data = ReleaseInputSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    values = {k: v for k, v in data.validated_data.items() if v not in ("", None)}
    release = services.incident_release_model(user=request.user, **values)
    return Response(ReleaseSerializer(_releases().get(pk=release.pk)).data, status=status.HTTP_201_CREATED)


@extend_schema(responses=ReleaseSerializer, operation_id="v1_releases_detail")
@api_view(["GET"])
@permission_classes([ConsoleRead])
def release_detail(request, pk):
    return Response(ReleaseSerializer(get_object_or_404(_releases(), pk=pk)).data)
