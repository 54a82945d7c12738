import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api import StrictSerializer
from core.params import INT_MAX
from oversight import rules
from oversight.models import DutyCheck, Evaluation, Inspection, Licence, RedFinding, Turnaround
from safety.serializers import SafeDateTimeField

# Dates PostgreSQL and people can both mean: a licence valid from the year 1 is a typing error.
EARLIEST, LATEST = dt.date(1950, 1, 1), dt.date(2999, 12, 31)


class SaneDateField(serializers.DateField):
    def to_internal_value(self, value):
        value = super().to_internal_value(value)
        if not EARLIEST <= value <= LATEST:
            raise serializers.ValidationError(_("Dates run from 1950-01-01 to 2999-12-31."))
        return value


def _enterprise(obj) -> dict:
    return {"id": obj.enterprise_id, "code": obj.enterprise.code, "name": obj.enterprise.name}


def _source(obj) -> dict:
    source = obj.risk_source
    return {"id": source.pk, "code": source.code, "name": source.name, "enterprise": source.enterprise_id}


class LicenceSerializer(serializers.ModelSerializer):
    enterprise = serializers.SerializerMethodField()
    kind_label = serializers.CharField(source="get_kind_display")
    expiring = serializers.SerializerMethodField()
    expired = serializers.SerializerMethodField()

    class Meta:
        model = Licence
        fields = ["id", "enterprise", "kind", "kind_label", "number", "scope", "issuer", "valid_from", "valid_to",
                  "expiring", "expired"]

    def get_enterprise(self, obj) -> dict:
        return _enterprise(obj)

    def get_expiring(self, obj) -> bool:
        return rules.licence_status(obj.valid_to, timezone.localdate()) == "expiring"

    def get_expired(self, obj) -> bool:
        return rules.licence_status(obj.valid_to, timezone.localdate()) == "expired"


class LicenceCreateSerializer(StrictSerializer):
    enterprise = serializers.IntegerField(min_value=1, max_value=INT_MAX)
    kind = serializers.ChoiceField(choices=Licence.Kind.choices)
    number = serializers.CharField(max_length=64)
    scope = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
    issuer = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    valid_from = SaneDateField()
    valid_to = SaneDateField()


class DutyCheckSerializer(serializers.ModelSerializer):
    risk_source = serializers.SerializerMethodField()
    role_label = serializers.CharField(source="get_role_display")

    class Meta:
        model = DutyCheck
        fields = ["id", "risk_source", "role", "role_label", "person", "at", "findings", "recorded_at"]

    def get_risk_source(self, obj) -> dict:
        return _source(obj)


class DutyCheckCreateSerializer(StrictSerializer):
    risk_source = serializers.IntegerField(min_value=1, max_value=INT_MAX)
    role = serializers.ChoiceField(choices=DutyCheck.Role.choices)
    person = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    at = SafeDateTimeField()
    findings = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class DutyStatusSerializer(serializers.Serializer):
    risk_source = serializers.SerializerMethodField()
    role = serializers.CharField()
    role_label = serializers.CharField()
    person = serializers.CharField()
    last_at = serializers.DateTimeField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.BooleanField()
    interval_days = serializers.IntegerField()

    def get_risk_source(self, row) -> dict:
        source = row["risk_source"]
        return {"id": source.pk, "code": source.code, "name": source.name, "enterprise": source.enterprise_id}


class EvaluationSerializer(serializers.ModelSerializer):
    risk_source = serializers.SerializerMethodField()
    kind_label = serializers.CharField(source="get_kind_display")
    due_on = serializers.SerializerMethodField()

    class Meta:
        model = Evaluation
        fields = ["id", "risk_source", "kind", "kind_label", "agency", "report_number", "completed_on", "due_on",
                  "conclusion"]

    def get_risk_source(self, obj) -> dict:
        return _source(obj)

    def get_due_on(self, obj) -> dt.date | None:
        return rules.evaluation_due(obj.completed_on) if obj.kind == Evaluation.Kind.ASSESSMENT else None


class EvaluationCreateSerializer(StrictSerializer):
    risk_source = serializers.IntegerField(min_value=1, max_value=INT_MAX)
    kind = serializers.ChoiceField(choices=Evaluation.Kind.choices, default=Evaluation.Kind.ASSESSMENT)
    agency = serializers.CharField(max_length=200)
    report_number = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)
    completed_on = SaneDateField()
    conclusion = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class OverviewRowSerializer(serializers.Serializer):
    category = serializers.CharField()
    enterprise = serializers.SerializerMethodField()
    subject = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    date = serializers.DateField(allow_null=True)

    def get_enterprise(self, row) -> dict:
        e = row["enterprise"]
        return {"id": e.pk, "code": e.code, "name": e.name}


class TurnaroundSerializer(serializers.ModelSerializer):
    enterprise = serializers.SerializerMethodField()
    kind_label = serializers.CharField(source="get_kind_display")
    risk_sources = serializers.SerializerMethodField()
    running = serializers.SerializerMethodField()

    class Meta:
        model = Turnaround
        fields = ["id", "enterprise", "kind", "kind_label", "units", "risk_sources", "planned_from", "planned_to",
                  "measures", "approver", "state", "running"]

    def get_enterprise(self, obj) -> dict:
        return _enterprise(obj)

    def get_risk_sources(self, obj) -> list[dict]:
        return [{"id": s.pk, "code": s.code, "name": s.name} for s in obj.risk_sources.all()]

    def get_running(self, obj) -> bool:
        now = timezone.now()
        return obj.state == Turnaround.State.REPORTED and obj.planned_from <= now <= obj.planned_to


class TurnaroundCreateSerializer(StrictSerializer):
    enterprise = serializers.IntegerField(min_value=1, max_value=INT_MAX)
    kind = serializers.ChoiceField(choices=Turnaround.Kind.choices)
    units = serializers.ListField(child=serializers.CharField(max_length=100), min_length=1, max_length=50)
    risk_sources = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=INT_MAX),
                                         required=False, default=list, max_length=50)
    planned_from = SafeDateTimeField()
    planned_to = SafeDateTimeField()
    measures = serializers.CharField(max_length=4000)
    approver = serializers.CharField(max_length=100)


class FindingInSerializer(StrictSerializer):
    text = serializers.CharField(max_length=2000)
    level = serializers.ChoiceField(choices=["general", "major"], default="general")
    criteria = serializers.ListField(child=serializers.CharField(max_length=16), required=False, default=list,
                                     max_length=20)
    deadline = SafeDateTimeField(required=False, allow_null=True, default=None)


class InspectionCreateSerializer(StrictSerializer):
    enterprise = serializers.IntegerField(min_value=1, max_value=INT_MAX)
    draw = serializers.IntegerField(min_value=1, max_value=INT_MAX, required=False, allow_null=True, default=None)
    inspectors = serializers.ListField(child=serializers.CharField(max_length=50), required=False, default=list,
                                       max_length=10)
    at = SafeDateTimeField()
    summary = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
    rectify_by = SafeDateTimeField(required=False, allow_null=True, default=None)
    findings = FindingInSerializer(many=True, required=False, default=list)


class InspectionSerializer(serializers.ModelSerializer):
    enterprise = serializers.SerializerMethodField()
    findings = serializers.SerializerMethodField()

    class Meta:
        model = Inspection
        fields = ["id", "enterprise", "draw", "inspectors", "at", "summary", "findings", "order_number",
                  "order_deadline", "followed_up_at", "follow_up_note"]

    def get_enterprise(self, obj) -> dict:
        return _enterprise(obj)

    def get_findings(self, obj) -> list[dict]:
        return [{"text": f.text, "hidden_danger": f.hidden_danger_id} for f in obj.findings.all()]


class FollowUpSerializer(StrictSerializer):
    note = serializers.CharField(max_length=4000)


class RedFindingSerializer(serializers.ModelSerializer):
    enterprise = serializers.SerializerMethodField()
    condition_label = serializers.CharField(source="get_condition_display")

    class Meta:
        model = RedFinding
        fields = ["id", "enterprise", "condition", "condition_label", "found_on", "note", "resolved_on", "resolution"]

    def get_enterprise(self, obj) -> dict:
        return _enterprise(obj)


class RedFindingCreateSerializer(StrictSerializer):
    enterprise = serializers.IntegerField(min_value=1, max_value=INT_MAX)
    condition = serializers.ChoiceField(choices=RedFinding.Condition.choices)
    found_on = SaneDateField()
    note = serializers.CharField(max_length=4000)


class RedFindingResolveSerializer(StrictSerializer):
    resolution = serializers.CharField(max_length=4000)
