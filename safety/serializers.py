import datetime as dt

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api import StrictSerializer
from incidents.serializers import PointField
from safety import rules
from safety.models import (
    COLOUR_CHOICES,
    GasTest,
    HiddenDanger,
    HiddenDangerPhoto,
    HiddenDangerStep,
    InspectionDraw,
    RiskPoint,
    SafetyCommitment,
    WorkPermit,
)


class SafeDateTimeField(serializers.DateTimeField):
    """ISO 8601 with an offset, normalised to UTC: offsets and years PostgreSQL cannot store are a
    400 here rather than a 500 at the database."""

    def to_internal_value(self, value):
        value = super().to_internal_value(value)
        try:
            value = value.astimezone(dt.UTC)
        except (OverflowError, ValueError):
            raise serializers.ValidationError(_("Date and time out of range.")) from None
        if not 1900 <= value.year <= 2999:
            raise serializers.ValidationError(_("Date and time out of range."))
        return value


def _enterprise(obj) -> dict:
    return {"id": obj.enterprise_id, "code": obj.enterprise.code, "name": obj.enterprise.name}


class EnterpriseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    name_en = serializers.CharField()
    risk_colour = serializers.SerializerMethodField()
    risk_factors = serializers.SerializerMethodField()
    risk_sources = serializers.SerializerMethodField()
    responsible_persons = serializers.SerializerMethodField()
    supervision_interval_days = serializers.SerializerMethodField()

    def _colour(self, obj):
        return getattr(obj, "safety_colour", None)

    def get_risk_colour(self, obj) -> str | None:
        colour = self._colour(obj)
        return colour.colour if colour else None

    def get_risk_factors(self, obj) -> list[dict]:
        colour = self._colour(obj)
        return colour.factors if colour else []

    def get_risk_sources(self, obj) -> list[dict]:
        return [{"id": s.pk, "code": s.code, "name": s.name, "grade": s.grade, "is_major": s.is_major,
                 "r_value": s.r_value} for s in obj.risk_sources.all()]

    def get_responsible_persons(self, obj) -> list[dict]:
        return [{"risk_source": s.code, "role": p.role, "role_name": p.get_role_display(), "name": p.name,
                 "phone": p.phone} for s in obj.risk_sources.all() for p in s.responsible_persons.all()]

    def get_supervision_interval_days(self, obj) -> int | None:
        colour = self._colour(obj)
        return rules.SUPERVISION_INTERVAL_DAYS.get(colour.colour) if colour else None


class RiskPointSerializer(serializers.ModelSerializer):
    location = PointField(read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)

    class Meta:
        model = RiskPoint
        fields = ["id", "enterprise", "enterprise_name", "name", "location", "method", "likelihood", "exposure",
                  "consequence", "severity", "score", "colour", "controls", "assessed_at"]


class RiskPointCreateSerializer(StrictSerializer):
    enterprise = serializers.IntegerField()
    name = serializers.CharField(max_length=200)
    location = PointField()
    method = serializers.ChoiceField(choices=RiskPoint.Method.choices)
    likelihood = serializers.FloatField()
    exposure = serializers.FloatField(required=False, allow_null=True, default=None)
    consequence = serializers.FloatField(required=False, allow_null=True, default=None)
    severity = serializers.FloatField(required=False, allow_null=True, default=None)
    controls = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class CriterionSerializer(serializers.Serializer):
    code = serializers.CharField()
    text = serializers.CharField()


class StepSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None, read_only=True)

    class Meta:
        model = HiddenDangerStep
        fields = ["action", "state", "note", "actor", "at"]


class PhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = HiddenDangerPhoto
        fields = ["id", "content_type", "size", "width", "height", "uploaded_at", "url"]

    def get_url(self, obj) -> str:
        from django.urls import reverse

        return reverse("api-hidden-danger-photo", args=[obj.hidden_danger_id, obj.pk])


class HiddenDangerSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    overdue = serializers.BooleanField(read_only=True)
    reported_by = serializers.CharField(source="reported_by.username", read_only=True)
    rectified_by = serializers.CharField(source="rectified_by.username", default=None, read_only=True)

    class Meta:
        model = HiddenDanger
        fields = ["id", "enterprise", "enterprise_name", "title", "description", "location", "level", "criteria",
                  "deadline", "state", "overdue", "measures", "responsible", "funds_cny", "contingency",
                  "reported_by", "reported_at", "rectified_by", "closed_at", "external_id", "inspection"]


class HiddenDangerDetailSerializer(HiddenDangerSerializer):
    steps = StepSerializer(many=True, read_only=True)
    photos = PhotoSerializer(many=True, read_only=True)

    class Meta(HiddenDangerSerializer.Meta):
        fields = [*HiddenDangerSerializer.Meta.fields, "steps", "photos"]


class HiddenDangerCreateSerializer(StrictSerializer):
    enterprise = serializers.IntegerField()
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)
    location = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    level = serializers.ChoiceField(choices=HiddenDanger.Level.choices, default="general")
    criteria = serializers.ListField(child=serializers.CharField(max_length=8), required=False, default=list,
                                     max_length=20)
    deadline = SafeDateTimeField()
    external_id = serializers.CharField(required=False, allow_blank=True, allow_null=True, default=None, max_length=64)
    inspection = serializers.IntegerField(required=False, allow_null=True, default=None,
                                          help_text="The inspection draw (双随机) it was found in; supervisors only.")


class RectificationSerializer(StrictSerializer):
    measures = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)
    responsible = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    funds_cny = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True,
                                        default=None, min_value=0)
    deadline = SafeDateTimeField(required=False, allow_null=True, default=None)
    contingency = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)


class DeadlineSerializer(StrictSerializer):
    deadline = SafeDateTimeField()
    note = serializers.CharField(max_length=4000, help_text="Why the deadline moves (recorded on the timeline).")


class NoteSerializer(StrictSerializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class VerifySerializer(StrictSerializer):
    accepted = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class ImportRowSerializer(StrictSerializer):
    external_id = serializers.CharField(max_length=64)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)
    location = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    level = serializers.ChoiceField(choices=HiddenDanger.Level.choices, default="general")
    criteria = serializers.ListField(child=serializers.CharField(max_length=8), required=False, default=list,
                                     max_length=20)
    deadline = SafeDateTimeField()


class ImportSerializer(StrictSerializer):
    enterprise = serializers.IntegerField()
    rows = ImportRowSerializer(many=True, allow_empty=False, max_length=5000)


class GasTestSerializer(StrictSerializer):
    at = SafeDateTimeField()
    combustible_percent = serializers.FloatField(required=False, allow_null=True, default=None, min_value=0,
                                                 max_value=100)
    lel_percent = serializers.FloatField(required=False, allow_null=True, default=None, min_value=0, max_value=100)
    o2_percent = serializers.FloatField(required=False, allow_null=True, default=None, min_value=0, max_value=100)
    toxic_ppm = serializers.FloatField(required=False, allow_null=True, default=None, min_value=0,
                                       max_value=1_000_000)


class GasTestOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = GasTest
        fields = ["id", "at", "combustible_percent", "lel_percent", "o2_percent", "toxic_ppm", "passed"]


class WorkPermitSerializer(serializers.ModelSerializer):
    location = PointField(read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    gas_tests = GasTestOutSerializer(many=True, read_only=True)
    retest_due = serializers.SerializerMethodField()
    in_force = serializers.SerializerMethodField()

    class Meta:
        model = WorkPermit
        fields = ["id", "enterprise", "enterprise_name", "kind", "grade", "place", "location", "valid_from",
                  "valid_to", "toxic_limit_ppm", "description", "state", "in_force", "created_at", "started_at",
                  "closed_at", "gas_tests", "retest_due"]

    def get_retest_due(self, obj) -> dt.datetime | None:
        tests = list(obj.gas_tests.all())
        return rules.retest_due(obj.kind, tests[-1].at if tests else None) if obj.state == rules.WP.IN_PROGRESS else None

    def get_in_force(self, obj) -> bool:
        from django.utils import timezone

        return obj.state == rules.WP.IN_PROGRESS and obj.valid_from <= timezone.now() <= obj.valid_to


class WorkPermitCreateSerializer(StrictSerializer):
    enterprise = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=WorkPermit.Kind.choices)
    grade = serializers.ChoiceField(choices=WorkPermit.Grade.choices, required=False, allow_blank=True, default="")
    place = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    location = PointField(required=False, default=None)
    valid_from = SafeDateTimeField()
    valid_to = SafeDateTimeField()
    gas_tests = GasTestSerializer(many=True, required=False, default=list, max_length=50)
    toxic_limit_ppm = serializers.FloatField(required=False, allow_null=True, default=None, min_value=0)
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class CommitmentSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    committed_by = serializers.CharField(source="committed_by.username", read_only=True)

    class Meta:
        model = SafetyCommitment
        fields = ["id", "enterprise", "enterprise_name", "date", "units_running", "units_stopped", "special_work",
                  "trial_runs", "startups_shutdowns", "major_hidden_dangers", "risk_level", "note", "committed_by",
                  "committed_at"]


class CommitmentCreateSerializer(StrictSerializer):
    enterprise = serializers.IntegerField()
    units_running = serializers.IntegerField(min_value=0, max_value=10_000)
    units_stopped = serializers.IntegerField(min_value=0, max_value=10_000)
    special_work = serializers.IntegerField(min_value=0, max_value=10_000, default=0)
    trial_runs = serializers.IntegerField(min_value=0, max_value=10_000, default=0)
    startups_shutdowns = serializers.IntegerField(min_value=0, max_value=10_000, default=0)
    risk_level = serializers.ChoiceField(choices=COLOUR_CHOICES)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class InspectionDrawSerializer(serializers.ModelSerializer):
    enterprises = serializers.SerializerMethodField()
    drawn_by = serializers.CharField(source="drawn_by.username", read_only=True)

    class Meta:
        model = InspectionDraw
        fields = ["id", "drawn_at", "drawn_by", "seed", "enterprises", "inspectors"]

    def get_enterprises(self, obj) -> list[dict]:
        return [{"id": e.pk, "code": e.code, "name": e.name} for e in obj.enterprises.order_by("code")]


class InspectionDrawCreateSerializer(StrictSerializer):
    count = serializers.IntegerField(min_value=1, max_value=1000)
    inspectors = serializers.ListField(child=serializers.CharField(max_length=100), required=False, default=list,
                                       max_length=20)
