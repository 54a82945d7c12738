from rest_framework import serializers

from core.api import StrictSerializer
from notices.models import Channel, Contact, ContactGroup, Notice, Receipt
from notices.phones import mask

_ID = {"min_value": 1, "max_value": 2**31 - 1}


class ContactSerializer(serializers.ModelSerializer):
    groups = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Contact
        fields = ["id", "name", "organisation", "position", "mobile", "user", "groups", "deputy", "active"]
        read_only_fields = fields


class ContactWriteSerializer(StrictSerializer):
    name = serializers.CharField(max_length=120)
    organisation = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    position = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    mobile = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    user = serializers.IntegerField(required=False, allow_null=True, default=None, **_ID)
    groups = serializers.ListField(child=serializers.IntegerField(**_ID), required=False, default=list, max_length=500)
    deputy = serializers.IntegerField(required=False, allow_null=True, default=None, **_ID)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class GroupSerializer(serializers.ModelSerializer):
    members = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = ContactGroup
        fields = ["id", "name", "name_en", "description", "warning_levels", "members"]
        read_only_fields = fields


class GroupWriteSerializer(StrictSerializer):
    name = serializers.CharField(max_length=120)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    members = serializers.ListField(child=serializers.IntegerField(**_ID), required=False, default=list,
                                    max_length=20000)


class TargetSerializer(StrictSerializer):
    kind = serializers.CharField(max_length=40)
    id = serializers.IntegerField(**_ID)


class NoticeWriteSerializer(StrictSerializer):
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    contacts = serializers.ListField(child=serializers.IntegerField(**_ID), required=False, default=list,
                                     max_length=20000)
    groups = serializers.ListField(child=serializers.IntegerField(**_ID), required=False, default=list, max_length=500)
    users = serializers.ListField(child=serializers.IntegerField(**_ID), required=False, default=list,
                                  max_length=20000)
    targets = TargetSerializer(many=True, required=False, default=list)
    channels = serializers.ListField(child=serializers.ChoiceField(choices=Channel.choices), min_length=1,
                                     max_length=3, required=False, default=lambda: ["app", "sms"])
    confirm_within_s = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=30,
                                                max_value=7 * 24 * 3600)
    incident = serializers.IntegerField(required=False, allow_null=True, default=None, **_ID)
    drill = serializers.BooleanField(required=False, default=False)


class ReceiptSerializer(serializers.ModelSerializer):
    mobile = serializers.SerializerMethodField()

    class Meta:
        model = Receipt
        fields = ["id", "contact", "name", "channel", "state", "text", "sent_at", "delivered_at", "read_at",
                  "confirmed_at", "error", "round", "mobile"]
        read_only_fields = fields

    def get_mobile(self, receipt) -> str:
        return mask(receipt.mobile) if receipt.mobile else ""


class NoticeSerializer(serializers.ModelSerializer):
    recipients = ReceiptSerializer(source="receipts", many=True, read_only=True)
    incident = serializers.IntegerField(source="incident_id", read_only=True, allow_null=True)
    counts = serializers.SerializerMethodField()

    class Meta:
        model = Notice
        fields = ["id", "title", "body", "channels", "confirm_within_s", "incident", "drill", "source",
                  "created_at", "counts", "recipients"]
        read_only_fields = fields

    def get_counts(self, notice) -> dict:
        out: dict[str, int] = {}
        for receipt in notice.receipts.all():
            out[receipt.state] = out.get(receipt.state, 0) + 1
        return out
