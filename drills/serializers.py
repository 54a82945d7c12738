from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api import StrictSerializer
from drills.models import Drill, Finding, Inject, InjectRun, RevisionTask, Scenario
from incidents.models import EXERCISE_LABEL


class InjectSerializer(serializers.ModelSerializer):
    incident_type = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    location = serializers.SerializerMethodField()
    point_code = serializers.SlugRelatedField(source="point", slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Inject
        fields = ["id", "offset_s", "kind", "title", "text", "location", "address", "incident_type", "severity",
                  "point_code", "level", "value", "chemical_cas", "rate_kg_s", "wind_speed_ms", "wind_from_deg", "stability"]

    def get_location(self, obj) -> dict | None:
        return {"type": "Point", "coordinates": [obj.location.x, obj.location.y]} if obj.location else None


class ScenarioSerializer(serializers.ModelSerializer):
    injects = InjectSerializer(many=True, read_only=True)
    plan = serializers.SerializerMethodField()

    class Meta:
        model = Scenario
        fields = ["id", "title", "kind", "scope", "plan", "enterprise", "objectives", "description", "injects"]

    def get_plan(self, obj) -> dict | None:
        return {"id": obj.plan.pk, "code": obj.plan.code, "title": obj.plan.title} if obj.plan_id else None


class InjectRunSerializer(serializers.ModelSerializer):
    inject = InjectSerializer(read_only=True)

    class Meta:
        model = InjectRun
        fields = ["id", "inject", "due_at", "status", "fired_at", "result", "incident"]


class DrillSerializer(serializers.ModelSerializer):
    scenario = serializers.SerializerMethodField()
    runs = InjectRunSerializer(many=True, read_only=True)
    exercise = serializers.SerializerMethodField()
    label = serializers.SerializerMethodField()
    started_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Drill
        fields = ["id", "scenario", "status", "speed", "created_at", "started_at", "started_by", "ended_at",
                  "incidents", "releases", "summary", "runs", "exercise", "label"]

    def get_scenario(self, obj) -> dict:
        return {"id": obj.scenario_id, "title": obj.scenario.title, "kind": obj.scenario.kind}

    def get_exercise(self, obj) -> bool:
        return True

    def get_label(self, obj) -> str:
        return EXERCISE_LABEL


class DrillCreateSerializer(StrictSerializer):
    scenario = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    speed = serializers.IntegerField(required=False, default=1, min_value=1, max_value=60,
                                     help_text=_("Tabletop drills may run up to 60 times faster than real time."))
    start = serializers.BooleanField(required=False, default=False, help_text=_("Start at once."))


class DrillStartSerializer(StrictSerializer):
    start_at = serializers.DateTimeField(required=False, help_text=_("Now, or a time to come; never the past."))


class DrillEndSerializer(StrictSerializer):
    summary = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class FindingSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    revision_task = serializers.SerializerMethodField()

    class Meta:
        model = Finding
        fields = ["id", "drill", "incident", "category", "element", "text", "recommendation", "created_by",
                  "created_at", "revision_task"]

    def get_revision_task(self, obj) -> int | None:
        task = RevisionTask.objects.filter(finding=obj).first()
        return task.pk if task else None


class FindingCreateSerializer(StrictSerializer):
    category = serializers.ChoiceField(choices=Finding.Category.choices)
    element = serializers.ChoiceField(choices=Finding.Element.choices, required=False, default="other")
    text = serializers.CharField(max_length=5000)
    recommendation = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class RevisionTaskSerializer(serializers.ModelSerializer):
    plan = serializers.SerializerMethodField()

    class Meta:
        model = RevisionTask
        fields = ["id", "plan", "finding", "title", "due_on", "status", "created_at"]

    def get_plan(self, obj) -> dict:
        return {"id": obj.plan_id, "code": obj.plan.code, "title": obj.plan.title}


class RevisionCreateSerializer(StrictSerializer):
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    due_on = serializers.DateField(required=False)
