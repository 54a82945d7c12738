"""Shapes of the park's API (API.md "Gates, people and vehicles")."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import StrictSerializer
from core.geo import point
from park.models import Gate, GateAlarm, HazmatAppointment, ParkZone, VehicleAlarm

POINT_SCHEMA = {"type": "object", "description": "GeoJSON Point"}


def _geojson(geom) -> dict | None:
    if geom is None:
        return None
    import json

    return json.loads(geom.json)


class ParkZoneSerializer(serializers.ModelSerializer):
    area = serializers.SerializerMethodField()

    class Meta:
        model = ParkZone
        fields = ["id", "code", "name", "kind", "area", "enterprise", "hazmat_lot", "capacity"]

    @extend_schema_field({"type": "object", "description": "GeoJSON Polygon"})
    def get_area(self, obj):
        return _geojson(obj.area)


class GateSerializer(serializers.ModelSerializer):
    location = serializers.SerializerMethodField()
    zone_inside = serializers.SlugRelatedField(slug_field="code", read_only=True)
    zone_outside = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Gate
        fields = ["id", "code", "name", "kind", "location", "zone_inside", "zone_outside"]

    @extend_schema_field(POINT_SCHEMA)
    def get_location(self, obj):
        return point(obj.location)


class IngestAnswerSerializer(serializers.Serializer):
    accepted = serializers.IntegerField()
    rejected = serializers.ListField(child=serializers.DictField())


class AppointmentInputSerializer(StrictSerializer):
    plate = serializers.RegexField(r"^[^\s/#+$\x00-\x1f]{1,32}\Z", max_length=32)
    driver = serializers.CharField(max_length=100)
    driver_licence = serializers.CharField(max_length=64, required=False, allow_blank=True)
    driver_licence_valid_to = serializers.DateField()
    escort = serializers.CharField(max_length=100)
    escort_licence = serializers.CharField(max_length=64, required=False, allow_blank=True)
    escort_licence_valid_to = serializers.DateField()
    un_number = serializers.RegexField(r"^(UN)?[0-9]{4}\Z", max_length=6,
                                       error_messages={"invalid": "A UN number is four digits, e.g. 1005."})
    quantity_t = serializers.FloatField(min_value=0)
    destination = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    window_from = serializers.DateTimeField()
    window_to = serializers.DateTimeField()
    gate = serializers.CharField(max_length=32)


class AppointmentSerializer(serializers.ModelSerializer):
    gate = serializers.SlugRelatedField(slug_field="code", read_only=True)
    lot = serializers.SlugRelatedField(slug_field="code", read_only=True)
    route = serializers.SerializerMethodField()

    class Meta:
        model = HazmatAppointment
        fields = ["id", "state", "reason", "plate", "driver", "driver_licence", "driver_licence_valid_to", "escort",
                  "escort_licence", "escort_licence_valid_to", "un_number", "quantity_t", "destination",
                  "window_from", "window_to", "gate", "lot", "route", "route_length_m", "route_basis", "created_at"]

    @extend_schema_field({"type": "object", "nullable": True, "description": "GeoJSON LineString"})
    def get_route(self, obj):
        return _geojson(obj.route)


class GateAlarmSerializer(serializers.ModelSerializer):
    gate = serializers.SlugRelatedField(slug_field="code", read_only=True)
    acknowledged_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    location = serializers.SerializerMethodField()

    class Meta:
        model = GateAlarm
        fields = ["id", "gate", "plate", "kind", "reason", "state", "raised_at", "enterprise", "acknowledged_by",
                  "acknowledged_at", "note", "location"]

    @extend_schema_field(POINT_SCHEMA)
    def get_location(self, obj):
        return point(obj.gate.location)


class VehicleAlarmSerializer(serializers.ModelSerializer):
    location = serializers.SerializerMethodField()
    acknowledged_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = VehicleAlarm
        fields = ["id", "plate", "kind", "state", "raised_at", "cleared_at", "location", "detail", "appointment",
                  "enterprise", "acknowledged_by"]

    @extend_schema_field(POINT_SCHEMA)
    def get_location(self, obj):
        return point(obj.location)


class ParkAlarmAcknowledgeSerializer(StrictSerializer):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class CorrectionSerializer(StrictSerializer):
    zone = serializers.CharField(max_length=32)
    people = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False)
    vehicles = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False)
    hazmat_vehicles = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)
