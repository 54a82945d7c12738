"""REST API of park monitoring (docs/contract.md "Park monitoring"). Thin: parse, call, render."""

from __future__ import annotations

import datetime as dt

from django.db import DataError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import DateTimeFilter, role_permission
from core.errors import DomainError
from core.roles import ALARM_ACK_ROLES, ALARM_BAR_ROLES, MONITORING_ROLES
from monitoring import parsing, selectors, services, sources, store
from monitoring.models import Alarm, MonitoringPoint, PointKind, PointState
from monitoring.payloads import release_url
from monitoring.serializers import (
    AcknowledgeSerializer,
    AlarmDetailSerializer,
    AlarmIncidentSerializer,
    AlarmSerializer,
    MonitoringPointSerializer,
    ReadingsAnswerSerializer,
)

# The park's points, trends and alarms: consoles and the park's supervisors (issue 21.5); an
# enterprise officer reads their own enterprise's alarms (the alarm bar) and acknowledges them.
Monitoring = role_permission(*MONITORING_ROLES)
AlarmReaders = role_permission(*ALARM_BAR_ROLES)
AlarmAcknowledgers = role_permission(*ALARM_ACK_ROLES)


class ReadingsIngest(APIView):
    """Sensor readings over HTTP, for gateways that do not speak MQTT: the same array as
    the MQTT topic park/gateways/<id>. Sent by a device with its own token (docs/contract.md "Devices"),
    for its own points only: any other item is refused and dead-lettered with the reason."""

    authentication_classes = [sources.DeviceTokenAuthentication]
    permission_classes = [sources.IsDevice]

    @extend_schema(request={"application/json": {"type": "array", "maxItems": parsing.GATEWAY_MAX_ITEMS,
                                                  "items": {"type": "object"}}},
                   responses={202: ReadingsAnswerSerializer})
    def post(self, request):
        try:
            good, bad = parsing.readings(request.data)
        except parsing.PayloadError as exc:
            raise DomainError(str(exc)) from None
        good, bad = sources.device_filter(request.auth, request.data, good, bad)
        # Positions in the request, so a rejection names the item the client sent.
        positions = [i for i in range(len(request.data)) if i not in {b for b, _r in bad}]
        try:
            result = store.readings_store(readings=good)
        except (DataError, ValueError) as exc:  # input the database refuses: the client's to fix
            raise DomainError(_("The database refused these readings: %(e)s") % {"e": exc}) from None
        rejected = [{"index": i, "error": reason} for i, reason in bad]
        rejected += [{"index": positions[i], "error": _("Unknown point “%(code)s”.") % {"code": code}}
                     for i, code in result.unknown]
        rejected.sort(key=lambda r: r["index"])
        if rejected:
            sender = f"{request.user.get_username()}@{request.META.get('REMOTE_ADDR', '')}"
            # One dead letter per request, as per MQTT message: the reasons and the items at fault.
            services.dead_letters_record(items=[(
                "http", sender, "; ".join(f"[{r['index']}] {r['error']}" for r in rejected),
                "[" + ", ".join(repr(request.data[r["index"]]) for r in rejected[:50]) + "]", len(rejected))])
        return Response({"accepted": len(good) - len(result.unknown), "rejected": rejected},
                        status=status.HTTP_202_ACCEPTED)


class PointFilter(filters.FilterSet):
    kind = filters.MultipleChoiceFilter(choices=PointKind.choices)
    state = filters.MultipleChoiceFilter(choices=PointState.choices)
    risk_source = filters.NumberFilter(field_name="risk_source_id")
    code = filters.CharFilter()

    class Meta:
        model = MonitoringPoint
        fields = ["kind", "state", "risk_source", "code"]


class PointList(generics.ListAPIView):
    serializer_class = MonitoringPointSerializer
    permission_classes = [Monitoring]
    filterset_class = PointFilter
    ordering_fields = ["code", "state", "last_ts"]
    queryset = selectors.points()


class PointDetail(generics.RetrieveAPIView):
    serializer_class = MonitoringPointSerializer
    permission_classes = [Monitoring]
    queryset = selectors.points()


class PointReadings(APIView):
    permission_classes = [Monitoring]

    @extend_schema(parameters=[
        OpenApiParameter("from", OpenApiTypes.DATETIME, description="default: an hour before `to`"),
        OpenApiParameter("to", OpenApiTypes.DATETIME, description="default: now"),
        OpenApiParameter("step", int, description="bucket in seconds: rows with min, max, avg")],
        responses={200: OpenApiResponse({"type": "array", "items": {"type": "object"}})})
    def get(self, request, pk):
        point = generics.get_object_or_404(MonitoringPoint, pk=pk)
        end = _datetime(request.query_params.get("to"), "to") or timezone.now()
        start = _datetime(request.query_params.get("from"), "from") or end - dt.timedelta(hours=1)
        if start >= end:
            raise DomainError(_("“from” must be before “to”."))
        raw_step = request.query_params.get("step")
        step = None
        if raw_step:
            if not (raw_step.isascii() and raw_step.isdigit()) or not 1 <= int(raw_step) <= 86400 * 31:
                raise DomainError(_("“step” is a whole number of seconds between 1 and 2678400."))
            step = int(raw_step)
        return Response(selectors.readings_series(point_id=point.pk, start=start, end=end, step_s=step))


class AlarmFilter(filters.FilterSet):
    state = filters.MultipleChoiceFilter(choices=Alarm.State.choices)
    level = filters.MultipleChoiceFilter(choices=Alarm.Level.choices)
    point = filters.NumberFilter(field_name="point_id")
    risk_source = filters.NumberFilter(field_name="point__risk_source_id")
    exercise = filters.BooleanFilter()
    open = filters.BooleanFilter(field_name="cleared_at", lookup_expr="isnull")
    raised_after = DateTimeFilter(field_name="raised_at", lookup_expr="gte")
    raised_before = DateTimeFilter(field_name="raised_at", lookup_expr="lt")

    class Meta:
        model = Alarm
        fields = ["state", "level", "point", "risk_source", "exercise"]


class AlarmList(generics.ListAPIView):
    serializer_class = AlarmSerializer
    permission_classes = [AlarmReaders]
    filterset_class = AlarmFilter
    ordering_fields = ["raised_at", "cleared_at", "level", "state"]
    queryset = selectors.alarms()

    def get_queryset(self):
        return selectors.alarms_for(self.request.user)


class AlarmDetail(generics.RetrieveAPIView):
    serializer_class = AlarmDetailSerializer
    permission_classes = [AlarmReaders]
    queryset = selectors.alarms().prefetch_related("history__actor")

    def get_queryset(self):
        return selectors.alarms_for(self.request.user).prefetch_related("history__actor")


class AlarmAcknowledge(APIView):
    permission_classes = [AlarmAcknowledgers]

    @extend_schema(request=AcknowledgeSerializer, responses={200: AlarmSerializer})
    def post(self, request, pk):
        data = AcknowledgeSerializer(data=request.data if request.data is not None else {})
        data.is_valid(raise_exception=True)
        alarm = services.alarm_acknowledge(actor=request.user, alarm_id=pk, note=data.validated_data["note"])
        return Response(AlarmSerializer(alarm).data)


class AlarmIncident(APIView):
    permission_classes = [Monitoring]

    @extend_schema(request=AlarmIncidentSerializer, responses={201: OpenApiResponse({"type": "object"}),
                                                               200: OpenApiResponse({"type": "object"})})
    def post(self, request, pk):
        from incidents.serializers import IncidentSerializer

        data = AlarmIncidentSerializer(data=request.data if request.data is not None else {})
        data.is_valid(raise_exception=True)
        link = data.validated_data.get("link")
        alarm, incident = services.alarm_create_incident(actor=request.user, alarm_id=pk, link_to=link,
                                                         confirm_new=data.validated_data["confirm_new"])
        # The incident's own fields (risk_source id, chemical CAS) come with the serializer.
        body = dict(IncidentSerializer(incident).data)
        body["alarm"] = alarm.pk
        body["release_url"] = release_url(alarm)
        # 201: a new incident; 200: the alarm filed on an incident that already stood.
        return Response(body, status=status.HTTP_200_OK if link else status.HTTP_201_CREATED)


def _datetime(raw: str | None, name: str):
    if not raw:
        return None
    try:
        value = parse_datetime(raw)
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise DomainError(_("“%(name)s” must be an ISO 8601 date and time with an offset.") % {"name": name})
    try:
        return value.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        raise DomainError(_("Date and time out of range.")) from None
