from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import StrictSerializer
from incidents.models import Assignment, DeclineReason, Incident, IncidentReport, IncidentType, TimelineEntry
from incidents.payloads import point
from incidents.selectors import supplementary_report_due
from resources.models import Resource
from resources.serializers import ResourceSerializer

POINT_SCHEMA = {
    "type": "object", "description": "GeoJSON Point, [longitude, latitude] in WGS 84.",
    "properties": {"type": {"type": "string", "enum": ["Point"]},
                   "coordinates": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2}},
    "required": ["type", "coordinates"],
}


@extend_schema_field(POINT_SCHEMA)
class PointField(serializers.Field):
    """A GeoJSON Point, {"type": "Point", "coordinates": [lon, lat]}, validated for range."""

    default_error_messages = {
        "invalid": _('Expected a GeoJSON Point: {{"type": "Point", "coordinates": [longitude, latitude]}}.'),
    }

    def to_representation(self, value):
        return point(value)

    def to_internal_value(self, data):
        from core.errors import DomainError
        from incidents.services import parse_location

        if not isinstance(data, dict) or data.get("type") != "Point":
            self.fail("invalid")
        coords = data.get("coordinates")
        if not isinstance(coords, list | tuple) or len(coords) != 2 or any(isinstance(c, bool) for c in coords):
            self.fail("invalid")
        if any(not isinstance(c, int | float) for c in coords):
            raise serializers.ValidationError(_("Coordinates must be numbers: [longitude, latitude]."))
        try:
            return parse_location(coords[0], coords[1])
        except DomainError as exc:
            raise serializers.ValidationError(exc.message) from None


class IncidentTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = IncidentType
        fields = ["code", "klass", "name_zh", "name_en", "required_capabilities"]


class ResourceBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Resource
        fields = ["id", "code", "name", "kind", "status"]


class AssignmentSerializer(serializers.ModelSerializer):
    resource = ResourceBriefSerializer(read_only=True)
    incident = serializers.SerializerMethodField()
    # The kind of reason a decline gave (DeclineReason), "" otherwise. Plain text here: the choice set
    # is documented once, on the decline's own `reason_code`.
    decline_code = serializers.CharField(read_only=True)

    class Meta:
        model = Assignment
        fields = ["id", "incident", "resource", "status", "created_at", "acknowledged_at", "en_route_at",
                  "on_scene_at", "cleared_at", "declined_at", "decline_reason", "decline_code", "escalations"]

    def get_incident(self, obj) -> dict:
        i = obj.incident
        return {"id": i.pk, "number": i.number, "title": i.title, "type": i.type.code, "severity": i.severity,
                "location": point(i.location), "address": i.address, "exercise": i.exercise}


class TimelineEntrySerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = TimelineEntry
        fields = ["at", "actor", "kind", "text", "data"]


class IncidentSerializer(serializers.ModelSerializer):
    type = serializers.SlugRelatedField(slug_field="code", read_only=True)
    location = PointField(read_only=True)
    area = serializers.SlugRelatedField(slug_field="code", read_only=True)
    risk_source = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True,
                                                     help_text=_("The risk source involved (id), when known."))
    chemical = serializers.SlugRelatedField(slug_field="cas", read_only=True, allow_null=True,
                                            help_text=_("CAS number of the chemical involved, when known."))

    suggested_severity = serializers.CharField(
        read_only=True, help_text=_("The severity the deaths, serious injuries and direct loss suggest "
                                    "(生产安全事故报告和调查处理条例 Art. 3)."))
    severity_below_suggested = serializers.BooleanField(read_only=True)

    class Meta:
        model = Incident
        fields = ["id", "number", "title", "type", "severity", "status", "location", "address", "area",
                  "outside_district", "caller_name", "caller_phone", "description", "reported_at", "created_at", "closed_at",
                  "exercise", "risk_source", "chemical", "deaths", "injuries", "direct_loss_cny", "suggested_severity",
                  "severity_below_suggested"]
        read_only_fields = ["deaths", "injuries", "direct_loss_cny"]


class IncidentDetailSerializer(IncidentSerializer):
    timeline = TimelineEntrySerializer(many=True, read_only=True)
    assignments = AssignmentSerializer(many=True, read_only=True)
    supplementary_report_due = serializers.SerializerMethodField(
        help_text=_("Casualties changed after closing and no supplementary report (补报) filed since."))

    class Meta(IncidentSerializer.Meta):
        fields = IncidentSerializer.Meta.fields + ["timeline", "assignments", "supplementary_report_due"]

    def get_supplementary_report_due(self, obj) -> bool:
        return supplementary_report_due(obj)


class CasualtiesSerializer(StrictSerializer):
    """PATCH /incidents/{id}/: the toll (the only writable fields of an incident through the API)."""

    deaths = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False)
    injuries = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False)
    direct_loss_cny = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class IncidentCreateSerializer(StrictSerializer):
    type = serializers.CharField(max_length=40)
    severity = serializers.ChoiceField(choices=["I", "II", "III", "IV"])
    location = PointField()
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="")
    caller_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    caller_phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    reported_at = serializers.DateTimeField(required=False)
    outside_district = serializers.BooleanField(
        required=False, default=False,
        help_text=_("Confirms a location outside the district (mutual aid); without it such a point is refused."))
    exercise = serializers.BooleanField(required=False, default=False,
                                        help_text=_("A drill's incident (演练): labelled everywhere, never counted "
                                                    "in statistics."))


class DispatchSerializer(StrictSerializer):
    resources = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1, max_length=50)


class DeclineSerializer(StrictSerializer):
    # Either words or a kind, or both: the kind decides the unit's next status (a vehicle fault
    # takes it out of service); without one, it is read from the words.
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    reason_code = serializers.ChoiceField(choices=DeclineReason.choices, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if not (attrs.get("reason") or "").strip() and not attrs.get("reason_code"):
            raise serializers.ValidationError({"reason": _("Say why the assignment is declined.")})
        return attrs


class StatusSerializer(StrictSerializer):
    status = serializers.ChoiceField(choices=["en_route", "on_scene", "cleared"])


class RecommendationSerializer(serializers.Serializer):
    resource = ResourceSerializer()
    distance_m = serializers.FloatField()
    eta_s = serializers.IntegerField()
    eta_basis = serializers.ChoiceField(choices=["road", "straight_line"], help_text=_(
        "How eta_s was reckoned: on the road network, or a straight-line estimate where there is no road data."))
    matches = serializers.ListField(child=serializers.CharField())
    need = serializers.CharField(allow_null=True, help_text=_("The run card's capability this unit fills."))


class RunCardNeedSerializer(serializers.Serializer):
    capability = serializers.CharField()
    label = serializers.CharField(help_text=_("The capability in the user's language."))
    count = serializers.IntegerField(help_text=_("Units the run card asks for."))
    filled = serializers.IntegerField(help_text=_("Units on active assignments that fill this need."))
    missing = serializers.IntegerField(help_text=_("Units still to send."))
    recommended = serializers.SerializerMethodField(help_text=_("Ids of the nearest free units that would fill it."))
    unfillable = serializers.IntegerField(help_text=_("Missing even with every free unit: ask for mutual aid."))

    def get_recommended(self, obj) -> list[int]:
        return [r.resource.pk for r in obj.recommended]


class RunCardSerializer(serializers.Serializer):
    run_card = serializers.SerializerMethodField(help_text=_("The card used, or null: one unit per capability "
                                                             "of the incident type."))
    needs = RunCardNeedSerializer(many=True)

    def get_run_card(self, obj) -> dict | None:
        card = obj["run_card"]
        if card is None:
            return None
        return {"id": card.pk, "incident_type": card.incident_type.code, "severity": card.severity or None,
                "note": card.note}


class IncidentReportSerializer(serializers.ModelSerializer):
    filed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = IncidentReport
        fields = ["id", "incident", "kind", "channel", "text", "filed_at", "filed_by"]


class IncidentReportCreateSerializer(StrictSerializer):
    kind = serializers.ChoiceField(choices=IncidentReport.Kind.choices)
    channel = serializers.ChoiceField(choices=IncidentReport.Channel.choices, required=False, default="written")
    text = serializers.CharField(max_length=20000)
