"""REST API of the chemical park (docs/contract.md, "Chemical park"). Thin: parse, call, render."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.response import Response

from core.api import role_permission
from core.roles import CONSOLE_ROLES, INTAKE_ROLES
from hazards import selectors, services
from hazards.models import Chemical, Release
from hazards.serializers import (
    ChemicalSerializer,
    ReleaseInputSerializer,
    ReleaseSerializer,
    RiskSourceSerializer,
)

ConsoleRead = role_permission(*CONSOLE_ROLES)
RunRelease = role_permission(*INTAKE_ROLES)


class ChemicalList(generics.ListAPIView):
    permission_classes = [ConsoleRead]
    queryset = Chemical.objects.all()
    serializer_class = ChemicalSerializer
    filterset_fields = ["cas", "dense_gas"]
    ordering_fields = ["name", "cas", "molecular_weight"]


class RiskSourceList(generics.ListAPIView):
    permission_classes = [ConsoleRead]
    serializer_class = RiskSourceSerializer
    filterset_fields = ["grade", "is_major", "enterprise"]
    ordering_fields = ["code", "grade", "r_value", "people_within_500m"]

    def get_queryset(self):
        return selectors.risk_sources_graded()


class RiskSourceDetail(generics.RetrieveAPIView):
    permission_classes = [ConsoleRead]
    serializer_class = RiskSourceSerializer

    def get_queryset(self):
        return selectors.risk_sources_graded()


@extend_schema(methods=["GET"], responses=ReleaseSerializer(many=True), summary="The latest 50 modelled releases")
@extend_schema(methods=["POST"], request=ReleaseInputSerializer, responses={201: ReleaseSerializer},
               summary="Model a toxic release: threat zones per level of concern")
@api_view(["GET", "POST"])
@permission_classes([ConsoleRead])
def releases(request):
    if request.method == "GET":
        rows = Release.objects.select_related("chemical").prefetch_related("zones")[:50]
        return Response(ReleaseSerializer(rows, many=True).data)
    # Viewers and planners read; only the intake roles run a model that every console sees.
    if not RunRelease().has_permission(request, None):
        return Response({"detail": RunRelease.message}, status=status.HTTP_403_FORBIDDEN)
    data = ReleaseInputSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    values = {k: v for k, v in data.validated_data.items() if v not in ("", None)}
    release = services.release_model(user=request.user, **values)
    return Response(ReleaseSerializer(release).data, status=status.HTTP_201_CREATED)


@extend_schema(responses=ReleaseSerializer, operation_id="v1_releases_detail")
@api_view(["GET"])
@permission_classes([ConsoleRead])
def release_detail(request, pk):
    release = get_object_or_404(Release.objects.select_related("chemical").prefetch_related("zones"), pk=pk)
    return Response(ReleaseSerializer(release).data)
