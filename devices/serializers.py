from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import StrictSerializer
from devices import selectors
from devices.models import Device, DeviceKind
from hazards.models import Enterprise


@extend_schema_field({"type": "string", "nullable": True, "description": "The enterprise's code."})
class EnterpriseField(serializers.Field):
    """An enterprise by its code (or id)."""

    default_error_messages = {"unknown": _("No enterprise with this code.")}

    def to_internal_value(self, data):
        lookup = {"pk": data} if isinstance(data, int) and not isinstance(data, bool) else {"code": str(data)[:32]}
        enterprise = Enterprise.objects.filter(**lookup).first()
        if enterprise is None:
            self.fail("unknown")
        return enterprise

    def to_representation(self, value):
        return value.code if value else None


class DeviceInputSerializer(StrictSerializer):
    code = serializers.RegexField(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,47}\Z", max_length=48)
    kind = serializers.ChoiceField(choices=DeviceKind.choices)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    enterprise = EnterpriseField(required=False, allow_null=True)
    points = serializers.ListField(child=serializers.RegexField(r"^[^\s/#+$\x00]{1,64}\Z", max_length=64),
                                   required=False, max_length=1000)
    subject = serializers.RegexField(r"^[^\s/#+$\x00]{1,32}\Z", max_length=32, required=False, allow_blank=True)
    vendor = serializers.CharField(max_length=100, required=False, allow_blank=True)
    model = serializers.CharField(max_length=100, required=False, allow_blank=True)
    serial = serializers.CharField(max_length=100, required=False, allow_blank=True)
    installed_at = serializers.DateField(required=False, allow_null=True)
    calibrated_at = serializers.DateField(required=False, allow_null=True)
    calibration_interval_days = serializers.IntegerField(min_value=1, max_value=3650, required=False,
                                                         allow_null=True)


class DeviceUpdateSerializer(DeviceInputSerializer):
    code = None
    kind = None


class DeviceSerializer(serializers.ModelSerializer):
    enterprise = EnterpriseField(read_only=True)
    points = serializers.SerializerMethodField()
    online = serializers.SerializerMethodField()
    last_seen = serializers.SerializerMethodField()
    calibration_due = serializers.DateField(read_only=True)
    calibration_overdue = serializers.SerializerMethodField()
    active = serializers.BooleanField(read_only=True)

    class Meta:
        model = Device
        fields = ["id", "code", "kind", "name", "enterprise", "points", "subject", "vendor", "model", "serial",
                  "installed_at", "calibrated_at", "calibration_interval_days", "calibration_due",
                  "calibration_overdue", "mqtt_username", "online", "last_seen", "active", "revoked_at",
                  "secrets_issued_at"]

    def get_points(self, obj) -> list[str]:
        return sorted(p.code for p in obj.points.all())

    def get_online(self, obj) -> bool:
        return selectors.is_online(obj)

    def get_last_seen(self, obj) -> str | None:
        last = getattr(obj, "last_seen", None)
        return serializers.DateTimeField().to_representation(last) if last else None

    def get_calibration_overdue(self, obj) -> bool:
        return obj.calibration_overdue()


class DeviceSecretsSerializer(DeviceSerializer):
    """Only in the answer of create and rotate: the secrets, once."""

    mqtt_password = serializers.CharField(read_only=True)
    token = serializers.CharField(read_only=True)
    mqtt_url = serializers.CharField(read_only=True)

    class Meta(DeviceSerializer.Meta):
        fields = [*DeviceSerializer.Meta.fields, "mqtt_password", "token", "mqtt_url"]
