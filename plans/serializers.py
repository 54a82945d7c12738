"""Read shapes of plans for the API (plans/api.py); plans are written in the admin."""

from rest_framework import serializers

from plans.models import Action, Plan, ResponseLevel


class ActionSerializer(serializers.ModelSerializer):
    responsible_agency = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    responsible = serializers.CharField(read_only=True)

    class Meta:
        model = Action
        fields = ["id", "order", "title", "instructions", "responsible_agency", "responsible_role", "responsible",
                  "time_limit_min"]


class ResponseLevelSerializer(serializers.ModelSerializer):
    actions = ActionSerializer(many=True, read_only=True)

    class Meta:
        model = ResponseLevel
        fields = ["id", "level", "min_deaths", "min_injuries", "min_affected", "min_evacuated", "trigger_text",
                  "actions"]


class PlanSerializer(serializers.ModelSerializer):
    issuing_agency = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    incident_types = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    levels = serializers.SerializerMethodField()

    class Meta:
        model = Plan
        fields = ["id", "code", "version", "title", "kind", "status", "issuing_agency", "effective_date",
                  "incident_types", "levels", "published_at"]

    def get_levels(self, plan) -> list[str]:
        return sorted(lv.level for lv in plan.levels.all())


class PlanDetailSerializer(PlanSerializer):
    """The whole plan: its sections and each level with its thresholds and actions."""

    areas = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    levels = ResponseLevelSerializer(many=True, read_only=True)

    class Meta(PlanSerializer.Meta):
        fields = PlanSerializer.Meta.fields + ["areas", "scope", "organisation", "reporting", "measures",
                                               "response_end", "support", "previous"]
