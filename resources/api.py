"""REST API of resources (units, stocks, shelters). Thin: filter, serialise."""

from django_filters import rest_framework as filters
from rest_framework import generics

from core.api import role_permission
from core.roles import CONSOLE_ROLES
from resources.models import Resource
from resources.serializers import ResourceSerializer


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
