from rest_framework import serializers

from core.api import StrictSerializer
from core.params import INT_MAX
from exchange.models import Credential


class CredentialSerializer(serializers.ModelSerializer):
    enterprise = serializers.SerializerMethodField()
    active = serializers.SerializerMethodField()

    class Meta:
        model = Credential
        fields = ["id", "enterprise", "name", "prefix", "issued_at", "revoked_at", "last_used_at", "active"]

    def get_enterprise(self, obj) -> dict:
        return {"id": obj.enterprise_id, "code": obj.enterprise.code, "name": obj.enterprise.name}

    def get_active(self, obj) -> bool:
        return obj.revoked_at is None


class CredentialIssuedSerializer(CredentialSerializer):
    token = serializers.CharField()

    class Meta(CredentialSerializer.Meta):
        fields = [*CredentialSerializer.Meta.fields, "token"]


class CredentialCreateSerializer(StrictSerializer):
    enterprise = serializers.IntegerField(min_value=1, max_value=INT_MAX)
    name = serializers.CharField(max_length=100)


class ExchangeKindCountsSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    deleted = serializers.IntegerField()
    rejected = serializers.IntegerField()


class ExchangeRejectionSerializer(serializers.Serializer):
    kind = serializers.CharField()
    index = serializers.IntegerField()
    id = serializers.CharField(allow_null=True)
    error = serializers.CharField()


class ExchangeNoteSerializer(serializers.Serializer):
    kind = serializers.CharField()
    index = serializers.IntegerField()
    id = serializers.CharField()
    note = serializers.CharField()


class ExchangeBatchAnswerSerializer(serializers.Serializer):
    enterprise = serializers.CharField()
    counts = serializers.DictField(child=ExchangeKindCountsSerializer())
    rejected = ExchangeRejectionSerializer(many=True)
    notes = ExchangeNoteSerializer(many=True)


class SyncStatusSerializer(serializers.Serializer):
    enterprise = serializers.SerializerMethodField()
    connected = serializers.BooleanField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    last_attempt_at = serializers.DateTimeField(allow_null=True)
    last_success_at = serializers.DateTimeField(allow_null=True)
    last_error_at = serializers.DateTimeField(allow_null=True)
    last_error = serializers.CharField()
    stale_at = serializers.DateTimeField(allow_null=True)
    batches = serializers.IntegerField()
    last_counts = serializers.DictField()
    stored = serializers.DictField(child=serializers.IntegerField())

    def get_enterprise(self, row) -> dict:
        e = row["enterprise"]
        return {"id": e.pk, "code": e.code, "name": e.name}
