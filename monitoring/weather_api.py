"""`GET /api/v1/weather/`: the park's weather masts, latest observation each (issue 27)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import role_permission
from core.roles import CONSOLE_ROLES, SAFETY_SUPERVISOR
from monitoring import weather


class MastSerializer(serializers.Serializer):
    mast = serializers.CharField(help_text="The mast's code: the prefix its points' codes share.")
    name = serializers.CharField()
    location = serializers.ListField(child=serializers.FloatField(), help_text="[lon, lat]")
    at = serializers.DateTimeField(allow_null=True, help_text="Time of the wind (the older of speed and direction).")
    age_s = serializers.IntegerField(allow_null=True)
    stale = serializers.BooleanField(help_text="No wind for more than 10 minutes: not used by the release model.")
    wind_speed_ms = serializers.FloatField(allow_null=True)
    wind_from_deg = serializers.FloatField(allow_null=True)
    air_temperature_c = serializers.FloatField(allow_null=True)
    solar_radiation_w_m2 = serializers.FloatField(allow_null=True)
    cloud_okta = serializers.IntegerField(allow_null=True)
    daytime = serializers.BooleanField(allow_null=True)
    insolation = serializers.CharField(allow_null=True)
    stability = serializers.CharField(allow_null=True, help_text="Pasquill class from the mast, when it can tell.")
    points = serializers.DictField(child=serializers.CharField(), help_text="Point code per quantity.")
    time_zone = serializers.CharField()


class WeatherList(APIView):
    permission_classes = [role_permission(*(CONSOLE_ROLES | {SAFETY_SUPERVISOR}))]

    @extend_schema(responses=MastSerializer(many=True), summary="The park's weather masts, freshest wind first")
    def get(self, request):
        return Response([weather.as_json(mast) for mast in weather.masts()])
