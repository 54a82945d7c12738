"""/api/v1/alerts/: read for any signed-in user, CAP XML for anyone, writes for commanders.

Who reads what, and why:
- CAP XML (`/alerts/{id}/cap/`) is public: these are public warnings, meant to be relayed by
  other systems without an account. Only published alerts (issued, updated, cancelled);
  a draft is a 404 for everyone but commanders.
- The JSON list, detail and map layer need a signed-in user (session or token), like the
  rest of the API; drafts appear only to commanders.
- Writes (create, edit draft, issue, update, cancel) are for commanders; others get 403.
"""

from __future__ import annotations

import json

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import generics, permissions, renderers, serializers, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from alerts import selectors, services
from alerts.cap import CAP_CONTENT_TYPE, build_cap
from alerts.geometry import AreaError, area_from_cap, area_from_geojson
from alerts.models import Alert, CapSeverity, Category, Certainty, Level, Urgency
from core.api import StrictSerializer
from core.roles import COMMAND_ROLES, has_role

_DETAIL = inline_serializer("AlertError", {"detail": serializers.CharField()})
# 400 bodies name each bad field: {"<field>": ["message", ...], "detail": "..."}.
_FIELD_ERRORS = {"type": "object", "additionalProperties": True}
_READ_ERRORS = {401: _DETAIL, 403: _DETAIL}
_WRITE_ERRORS = {400: _FIELD_ERRORS, 401: _DETAIL, 403: _DETAIL, 404: _DETAIL, 409: _DETAIL}


class CommanderWrites(permissions.BasePermission):
    """Signed-in users read; only commanders write."""

    message = gettext_lazy("Only a commander may write public warnings.")

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        return request.method in permissions.SAFE_METHODS or has_role(request.user, COMMAND_ROLES)


@extend_schema_field({"type": "object", "description": "GeoJSON Polygon or MultiPolygon ([lon, lat]); "
                      "a CAP polygon string of closed \"lat,lon\" pairs is accepted on input too."})
class AreaField(serializers.Field):
    def to_internal_value(self, data):
        try:
            return area_from_geojson(data) if isinstance(data, dict) else area_from_cap(data)
        except AreaError as exc:
            raise serializers.ValidationError(str(exc)) from exc

    def to_representation(self, value):
        return json.loads(value.geojson)


class AlertSerializer(serializers.ModelSerializer):
    area = AreaField()
    msg_type = serializers.CharField(read_only=True)
    cap_url = serializers.SerializerMethodField()

    class Meta:
        model = Alert
        fields = ["id", "status", "msg_type", "level", "category", "urgency", "severity", "certainty",
                  "event", "headline", "description", "instructions", "event_en", "headline_en",
                  "description_en", "instructions_en", "area", "area_description", "effective", "expires",
                  "incident", "identifier", "sender", "sent", "references", "note", "version",
                  "created_at", "issued_at", "cap_url", "exercise", "notify_groups"]
        read_only_fields = fields

    def get_cap_url(self, alert) -> str:
        return reverse("alerts-api:cap", args=[alert.pk], request=self.context.get("request"))


class AlertWriteSerializer(serializers.Serializer):
    """Types and shapes; the domain rules (expiry after effective, roles, states) live in services."""

    level = serializers.ChoiceField(choices=Level.choices)
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)
    severity = serializers.ChoiceField(choices=CapSeverity.choices, required=False)
    certainty = serializers.ChoiceField(choices=Certainty.choices, required=False)
    event = serializers.CharField(max_length=100)
    headline = serializers.CharField(max_length=160)
    description = serializers.CharField()
    instructions = serializers.CharField(required=False, allow_blank=True)
    event_en = serializers.CharField(max_length=100, required=False, allow_blank=True)
    headline_en = serializers.CharField(max_length=160, required=False, allow_blank=True)
    description_en = serializers.CharField(required=False, allow_blank=True)
    instructions_en = serializers.CharField(required=False, allow_blank=True)
    area = AreaField()
    area_description = serializers.CharField(max_length=300)
    effective = serializers.DateTimeField(required=False, allow_null=True)
    expires = serializers.DateTimeField()
    incident = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**63 - 1)
    exercise = serializers.BooleanField(required=False, help_text=gettext_lazy(
        "A drill's warning (演练): CAP status Exercise. Any warning about an exercise incident is one."))
    notify_groups = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), required=False, max_length=100,
        help_text=gettext_lazy("Contact groups notified (SMS and app) when the warning is issued."))

    def validate(self, attrs):
        unknown = set(self.initial_data) - set(self.fields) if isinstance(self.initial_data, dict) else set()
        if unknown:
            raise serializers.ValidationError({name: [_("Unknown field.")] for name in sorted(unknown)})
        effective, expires = attrs.get("effective"), attrs.get("expires")
        if effective and expires and expires <= effective:
            raise serializers.ValidationError({"expires": [_("The expiry time must be after the effective time.")]})
        return attrs


class IssueSerializer(StrictSerializer):
    confirm = serializers.BooleanField(required=False, default=False, help_text=gettext_lazy(
        "Required (true) for an orange or red warning: the person has checked its level, area and text."))


class CancelSerializer(StrictSerializer):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


def _parse(serializer_class, request, *, partial=False):
    if not isinstance(request.data, dict):
        raise serializers.ValidationError({"detail": [_("Send a JSON object.")]})
    serializer = serializer_class(data=request.data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


@extend_schema(responses={200: AlertSerializer(many=True), **_READ_ERRORS}, methods=["GET"])
class AlertList(generics.ListAPIView):
    permission_classes = [CommanderWrites]
    serializer_class = AlertSerializer
    filterset_fields = ["status", "level", "incident"]
    ordering_fields = ["created_at", "issued_at", "effective", "expires", "level"]

    def get_queryset(self):
        return selectors.alerts_visible_to(self.request.user)

    @extend_schema(request=AlertWriteSerializer, responses={201: AlertSerializer, **_WRITE_ERRORS})
    def post(self, request):
        """Save a draft alert (commanders)."""
        alert = services.alert_create(actor=request.user, **_parse(AlertWriteSerializer, request))
        return Response(AlertSerializer(alert, context={"request": request}).data, status=status.HTTP_201_CREATED)


@extend_schema(responses={200: AlertSerializer, 404: _DETAIL, **_READ_ERRORS}, methods=["GET"])
class AlertDetail(generics.RetrieveAPIView):
    permission_classes = [CommanderWrites]
    serializer_class = AlertSerializer

    def get_queryset(self):
        return selectors.alerts_visible_to(self.request.user)

    @extend_schema(request=AlertWriteSerializer, responses={200: AlertSerializer, **_WRITE_ERRORS})
    def patch(self, request, pk):
        """Edit a draft (commanders)."""
        alert = services.alert_edit(actor=request.user, alert_id=pk,
                                    **_parse(AlertWriteSerializer, request, partial=True))
        return Response(AlertSerializer(alert, context={"request": request}).data)


class _Transition(APIView):
    permission_classes = [CommanderWrites]

    def _done(self, request, alert):
        return Response(AlertSerializer(alert, context={"request": request}).data)


class AlertIssue(_Transition):
    @extend_schema(request=IssueSerializer, responses={200: AlertSerializer, **_WRITE_ERRORS})
    def post(self, request, pk):
        """Issue a draft as a CAP Alert. An orange or red warning needs `{"confirm": true}`."""
        confirmed = _parse(IssueSerializer, request).get("confirm", False) if request.data else False
        return self._done(request, services.alert_issue(actor=request.user, alert_id=pk, confirmed=confirmed))


class AlertUpdate(_Transition):
    @extend_schema(request=AlertWriteSerializer, responses={200: AlertSerializer, **_WRITE_ERRORS})
    def post(self, request, pk):
        """Publish changed content as a CAP Update referencing the earlier messages."""
        changes = _parse(AlertWriteSerializer, request, partial=True)
        return self._done(request, services.alert_update(actor=request.user, alert_id=pk, **changes))


class AlertCancel(_Transition):
    @extend_schema(request=CancelSerializer, responses={200: AlertSerializer, **_WRITE_ERRORS})
    def post(self, request, pk):
        """Withdraw an issued alert with a CAP Cancel."""
        note = _parse(CancelSerializer, request).get("note", "")
        return self._done(request, services.alert_cancel(actor=request.user, alert_id=pk, note=note))


class CapRenderer(renderers.BaseRenderer):
    media_type = CAP_CONTENT_TYPE
    format = "cap"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class _CapNegotiation(DefaultContentNegotiation):
    """CAP is the one representation: answer it whatever the client's Accept says."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class AlertCap(APIView):
    permission_classes = [permissions.AllowAny]
    renderer_classes = [CapRenderer, renderers.JSONRenderer]
    content_negotiation_class = _CapNegotiation

    @extend_schema(responses={(200, CAP_CONTENT_TYPE): OpenApiTypes.STR,
                              (401, "application/json"): _DETAIL,
                              (403, "application/json"): _DETAIL,
                              (404, "application/json"): _DETAIL})
    def get(self, request, pk):
        """The alert's current message as OASIS CAP 1.2 XML (public; drafts only for commanders)."""
        qs = Alert.objects.all() if has_role(request.user, COMMAND_ROLES) else selectors.alerts_published()
        alert = get_object_or_404(qs.select_related("incident"), pk=pk)
        return Response(build_cap(alert))

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code >= 400:
            # Errors are JSON like everywhere else in the API, not bytes posing as CAP.
            response.accepted_renderer = renderers.JSONRenderer()
            response.accepted_media_type = "application/json"
        return response


class GeoJSONRenderer(renderers.JSONRenderer):
    """RFC 7946's media type, served like every other layer (a client asking for
    application/geo+json got 406 here); error bodies stay plain JSON objects."""

    media_type = "application/geo+json"
    format = "geojson"


class _AcceptOnly:
    """No `?format=` override: DRF answers an unknown one with an undocumented 404."""

    URL_FORMAT_OVERRIDE = None


class _AcceptNegotiation(DefaultContentNegotiation):
    """The Accept header alone chooses GeoJSON or JSON (both are the same document)."""

    settings = _AcceptOnly()


class AlertLayer(APIView):
    permission_classes = [permissions.IsAuthenticated]
    renderer_classes = [GeoJSONRenderer, renderers.JSONRenderer]
    content_negotiation_class = _AcceptNegotiation

    @extend_schema(parameters=[OpenApiParameter("bbox", str, description="minlon,minlat,maxlon,maxlat")],
                   responses={200: OpenApiTypes.OBJECT, 400: _FIELD_ERRORS, **_READ_ERRORS})
    def get(self, request):
        """Current alerts (issued or updated, not expired) as an RFC 7946 FeatureCollection."""
        try:
            bbox = selectors.parse_bbox(request.query_params.get("bbox"))
        except ValueError as exc:
            return Response({"bbox": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        return Response(selectors.alerts_layer(bbox=bbox))
