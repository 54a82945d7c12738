from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import StrictSerializer
from monitoring.models import Alarm, AlarmEntry, MonitoringPoint
from monitoring.payloads import release_url

RANGE_SCHEMA = {"type": "object", "properties": {"min": {"type": "number", "nullable": True},
                                                  "max": {"type": "number", "nullable": True}}}
LIMITS_SCHEMA = {"type": "object", "properties": {k: {"type": "number", "nullable": True} for k in ("ll", "l", "h", "hh")}}
LAST_SCHEMA = {"type": "object", "nullable": True,
               "properties": {"ts": {"type": "string", "format": "date-time"}, "value": {"type": "number"}}}
POINT_SCHEMA = {"type": "object", "description": "GeoJSON Point, [longitude, latitude] in WGS 84.",
                "properties": {"type": {"type": "string", "enum": ["Point"]},
                               "coordinates": {"type": "array", "items": {"type": "number"}}}}


class MonitoringPointSerializer(serializers.ModelSerializer):
    location = serializers.SerializerMethodField()
    range = serializers.SerializerMethodField()
    limits = serializers.SerializerMethodField()
    last = serializers.SerializerMethodField()
    chemical = serializers.SlugRelatedField(slug_field="cas", read_only=True, allow_null=True)  # a weather mast has none

    class Meta:
        model = MonitoringPoint
        fields = ["id", "code", "name", "kind", "unit", "risk_source", "chemical", "location", "range", "limits",
                  "deadband", "delay_s", "interval_s", "state", "last"]

    @extend_schema_field(POINT_SCHEMA)
    def get_location(self, obj):
        return {"type": "Point", "coordinates": [round(obj.location.x, 6), round(obj.location.y, 6)]}

    @extend_schema_field(RANGE_SCHEMA)
    def get_range(self, obj):
        return {"min": obj.range_min, "max": obj.range_max}

    @extend_schema_field(LIMITS_SCHEMA)
    def get_limits(self, obj):
        return obj.limits

    @extend_schema_field(LAST_SCHEMA)
    def get_last(self, obj):
        if obj.last_ts is None:
            return None
        return {"ts": obj.last_ts, "value": obj.last_value}


class AlarmEntrySerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = AlarmEntry
        fields = ["at", "kind", "level", "value", "actor", "note"]


class AlarmSerializer(serializers.ModelSerializer):
    acknowledged_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    point_code = serializers.CharField(source="point.code", read_only=True)
    point_name = serializers.CharField(source="point.name", read_only=True)
    point_unit = serializers.CharField(source="point.unit", read_only=True)
    risk_source = serializers.IntegerField(source="point.risk_source_id", read_only=True, allow_null=True)
    risk_source_code = serializers.CharField(source="point.risk_source.code", read_only=True, allow_null=True,
                                             default=None)
    risk_source_name = serializers.CharField(source="point.risk_source.name", read_only=True, allow_null=True,
                                             default=None)

    release_url = serializers.SerializerMethodField(
        help_text="The console map's release model pre-filled from the alarm's incident (its chemical and "
                  "number), or null.")

    class Meta:
        model = Alarm
        fields = ["id", "point", "point_code", "point_name", "point_unit", "risk_source", "risk_source_code",
                  "risk_source_name", "slot", "level", "state", "raised_at", "cleared_at",
                  "raise_value", "peak_value", "acknowledged_at", "acknowledged_by", "acknowledge_note", "incident",
                  "escalations", "exercise", "release_url"]

    def get_release_url(self, obj) -> str | None:
        return release_url(obj)


class AlarmDetailSerializer(AlarmSerializer):
    history = AlarmEntrySerializer(many=True, read_only=True)

    class Meta(AlarmSerializer.Meta):
        fields = AlarmSerializer.Meta.fields + ["history"]


class AcknowledgeSerializer(StrictSerializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class AlarmIncidentSerializer(StrictSerializer):
    """Optional: `link` files the alarm on an open incident (the same leak, called in first);
    `confirm_new` logs a new incident although one may already stand for it."""

    link = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    confirm_new = serializers.BooleanField(required=False, default=False)


class ReadingsAnswerSerializer(serializers.Serializer):
    accepted = serializers.IntegerField()
    rejected = serializers.ListField(child=serializers.DictField())
