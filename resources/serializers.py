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


POSITION_SCHEMA = {"type": "object", "nullable": True, "properties": {
    "ts": {"type": "string", "format": "date-time"}, "location": POINT_SCHEMA}}


@extend_schema_field(POSITION_SCHEMA)
class PositionField(serializers.Field):
    """The unit's latest reported position `{"ts", "location"}`, or null if it never sent one."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, source="*", **kwargs)

    def to_representation(self, resource):
        if resource.position_at is None or resource.position is None:
            return None
        return {"ts": serializers.DateTimeField().to_representation(resource.position_at),
                "location": point(resource.position)}


class ResourceSerializer(serializers.ModelSerializer):
    location = ReadOnlyPointField()
    position = PositionField()

    class Meta:
        model = Resource
        fields = ["id", "code", "name", "kind", "status", "status_since", "capabilities", "location", "capacity",
                  "occupancy", "agency", "position"]


class PositionsAnswerSerializer(serializers.Serializer):
    class Rejection(serializers.Serializer):
        index = serializers.IntegerField()
        error = serializers.CharField()

    accepted = serializers.IntegerField()
    rejected = Rejection(many=True)
