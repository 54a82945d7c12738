from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.geo import POINT_SCHEMA, point
from resources.models import Resource


@extend_schema_field(POINT_SCHEMA)
class ReadOnlyPointField(serializers.Field):
    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        return point(value)


class ResourceSerializer(serializers.ModelSerializer):
    location = ReadOnlyPointField()

    class Meta:
        model = Resource
        fields = ["id", "code", "name", "kind", "status", "status_since", "capabilities", "location", "capacity",
                  "occupancy", "agency"]
