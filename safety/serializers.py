import datetime as dt

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api import StrictSerializer
from incidents.serializers import PointField
from safety import rules
from safety.models import (
    COLOUR_CHOICES,
    Contractor,
    ContractorQualification,
    GasTest,
    HiddenDanger,
    HiddenDangerPhoto,
    HiddenDangerStep,
    InspectionDraw,
    PermitApproval,
    PermitSpotCheck,
    RiskPoint,
    SafetyCommitment,
    WorkFiling,
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


class PointOrPlaceField(PointField):
    """A hidden danger's `location`: a GeoJSON Point (issue 25.9). A plain string, as clients sent
    before the point existed, is still taken as the text place (`place`); anything else that is
    not a valid Point is a 400 naming this field."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            if len(data) > 200:
                raise serializers.ValidationError(_("A place in words is at most 200 characters; put it in “place”."))
            return data
        return super().to_internal_value(data)


class HiddenDangerSerializer(serializers.ModelSerializer):
    location = PointField(read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    overdue = serializers.BooleanField(read_only=True)
    reported_by = serializers.CharField(source="reported_by.username", read_only=True)
    rectified_by = serializers.CharField(source="rectified_by.username", default=None, read_only=True)

    class Meta:
        model = HiddenDanger
        fields = ["id", "enterprise", "enterprise_name", "title", "description", "place", "location", "level", "criteria",
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
    place = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    location = PointOrPlaceField(required=False, allow_null=True, default=None,
                                 help_text="GeoJSON Point {\"type\": \"Point\", \"coordinates\": [lon, lat]}; "
                                           "the place in words goes in `place`.")
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
    location = serializers.CharField(required=False, allow_blank=True, default="", max_length=200,
                                     help_text="The place in words (as `place`).")
    place = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
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


class ApprovalSerializer(serializers.ModelSerializer):
    recorded_by = serializers.CharField(source="recorded_by.username", read_only=True)

    class Meta:
        model = PermitApproval
        fields = ["id", "level", "approver", "on_site", "note", "recorded_by", "at"]


class SpotCheckSerializer(serializers.ModelSerializer):
    checked_by = serializers.CharField(source="checked_by.username", read_only=True)

    class Meta:
        model = PermitSpotCheck
        fields = ["id", "permit", "result", "findings", "checked_by", "at"]


class WorkPermitSerializer(serializers.ModelSerializer):
    location = PointField(read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    gas_tests = GasTestOutSerializer(many=True, read_only=True)
    approvals = ApprovalSerializer(many=True, read_only=True)
    retest_due = serializers.SerializerMethodField()
    in_force = serializers.SerializerMethodField()
    required_approver = serializers.SerializerMethodField()
    filed = serializers.SerializerMethodField()

    class Meta:
        model = WorkPermit
        fields = ["id", "enterprise", "enterprise_name", "kind", "grade", "declared_grade", "place", "location",
                  "valid_from", "valid_to", "toxic_limit_ppm", "description", "state", "in_force", "created_at",
                  "started_at", "closed_at", "gas_tests", "retest_due", "contractor", "equipment", "medium",
                  "oxygen_equipment", "continuous_monitor", "wind_force", "rest_day", "extension_reason",
                  "paused_at", "height_m", "load_t", "required_approver", "approvals", "filed"]

    def get_required_approver(self, obj) -> str:
        from safety import special_work

        return special_work.required_approver(obj.kind, special_work.permit_work_grade(obj))

    def get_filed(self, obj) -> bool:
        try:
            return obj.filing is not None
        except WorkFiling.DoesNotExist:
            return False

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
    contractor = serializers.IntegerField(required=False, allow_null=True, default=None,
                                          help_text="The enterprise's contractor doing the work; null: its own staff.")
    equipment = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    medium = serializers.CharField(required=False, allow_blank=True, default="", max_length=16,
                                   help_text="CAS number of the toxic medium: its GBZ 2.1 limit applies.")
    oxygen_equipment = serializers.BooleanField(required=False, default=False)
    continuous_monitor = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    wind_force = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=0, max_value=17)
    rest_day = serializers.BooleanField(required=False, default=False)
    extension_reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=400)
    height_m = serializers.DecimalField(
        max_digits=6, decimal_places=1, required=False, allow_null=True, default=None, min_value=0, max_value=1000,
        help_text="Work at height: the working height in metres (its grade Ⅰ–Ⅳ decides who approves).")
    load_t = serializers.DecimalField(
        max_digits=7, decimal_places=1, required=False, allow_null=True, default=None, min_value=0, max_value=20000,
        help_text="Lifting: the load's mass in tonnes (its grade 一级/二级/三级 decides who approves).")


class ApprovalCreateSerializer(StrictSerializer):
    level = serializers.CharField(
        max_length=16, help_text="unit_head, department_head, safety_head, power_supply or principal (Table B.1).")
    approver = serializers.CharField(max_length=100)
    on_site = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class SpotCheckCreateSerializer(StrictSerializer):
    result = serializers.ChoiceField(choices=PermitSpotCheck.Result.choices)
    findings = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class QualificationSerializer(serializers.ModelSerializer):
    expired = serializers.SerializerMethodField()

    class Meta:
        model = ContractorQualification
        fields = ["id", "kind", "number", "valid_to", "expired"]

    def get_expired(self, obj) -> bool:
        from django.utils import timezone

        return obj.valid_to < timezone.localdate()


class QualificationCreateSerializer(StrictSerializer):
    kind = serializers.CharField(max_length=100)
    number = serializers.CharField(max_length=64)
    valid_to = serializers.DateField()


class ContractorSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    qualifications = QualificationSerializer(many=True, read_only=True)
    expired = serializers.SerializerMethodField()
    expiring = serializers.SerializerMethodField()

    class Meta:
        model = Contractor
        fields = ["id", "enterprise", "enterprise_name", "name", "credit_code", "contact", "phone", "qualifications",
                  "expired", "expiring"]

    def get_expired(self, obj) -> bool:
        from django.utils import timezone

        return any(q.valid_to < timezone.localdate() for q in obj.qualifications.all())

    def get_expiring(self, obj) -> bool:
        from django.utils import timezone

        from safety.special_work import QUALIFICATION_EXPIRING_DAYS

        today = timezone.localdate()
        return any(today <= q.valid_to <= today + dt.timedelta(days=QUALIFICATION_EXPIRING_DAYS)
                   for q in obj.qualifications.all())


class ContractorCreateSerializer(StrictSerializer):
    enterprise = serializers.IntegerField()
    name = serializers.CharField(max_length=200)
    credit_code = serializers.CharField(max_length=18)
    contact = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    phone = serializers.CharField(required=False, allow_blank=True, default="", max_length=32)
    qualifications = QualificationCreateSerializer(many=True, required=False, default=list, max_length=50)


class FilingSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    filed_by = serializers.CharField(source="filed_by.username", read_only=True)

    class Meta:
        model = WorkFiling
        fields = ["id", "enterprise", "enterprise_name", "permit", "kind", "grade", "place", "planned_from",
                  "planned_to", "filed_by", "filed_at"]


class FilingCreateSerializer(StrictSerializer):
    enterprise = serializers.IntegerField()
    permit = serializers.IntegerField(required=False, allow_null=True, default=None)
    kind = serializers.ChoiceField(choices=WorkPermit.Kind.choices, required=False, allow_blank=True, default="")
    grade = serializers.ChoiceField(choices=WorkPermit.Grade.choices, required=False, allow_blank=True, default="")
    place = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    planned_from = SafeDateTimeField(required=False, allow_null=True, default=None)
    planned_to = SafeDateTimeField(required=False, allow_null=True, default=None)


class FilingLinkSerializer(StrictSerializer):
    permit = serializers.IntegerField()


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
