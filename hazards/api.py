"""REST API of the chemical park (docs/contract.md, "Chemical park"). Thin: parse, call, render.

The releases endpoints (/api/v1/releases/) are served by incidents.releases_api: a release
may be modelled for an incident, and only incidents, above hazards, knows incidents."""

from rest_framework import generics

from core.api import role_permission
from core.roles import CONSOLE_ROLES
from hazards import selectors
from hazards.models import Chemical
from hazards.serializers import ChemicalSerializer, RiskSourceSerializer

ConsoleRead = role_permission(*CONSOLE_ROLES)


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
