"""REST API of closed park management (API.md "Gates, people and vehicles"). Thin: parse, call
one service or selector, render."""

from __future__ import annotations

import datetime as dt

from django.db import DataError
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core import params
from core.api import role_permission
from core.errors import DomainError
from core.roles import enterprise_scope
from monitoring import services as monitoring_services
from monitoring import sources
from park import parsing, selectors, services
from park.models import Gate, GateAlarm, ParkZone, VehicleAlarm, VehiclePosition
from park.permissions import ALARM_ACK_ROLES, CORRECTION_ROLES, PARK_OR_ENTERPRISE, PARK_ROLES
from park.serializers import (
    AppointmentInputSerializer,
    AppointmentSerializer,
    CorrectionSerializer,
    GateAlarmSerializer,
    GateSerializer,
    IngestAnswerSerializer,
    ParkAlarmAcknowledgeSerializer,
    ParkZoneSerializer,
    VehicleAlarmSerializer,
)

ParkReaders = role_permission(*PARK_OR_ENTERPRISE)
ParkOnly = role_permission(*PARK_ROLES)
MAX_ITEMS = 1000


class ZoneList(generics.ListAPIView):
    serializer_class = ParkZoneSerializer
    permission_classes = [ParkReaders]
    queryset = ParkZone.objects.order_by("code")
    ordering_fields = ["code", "kind"]


class GateList(generics.ListAPIView):
    serializer_class = GateSerializer
    permission_classes = [ParkReaders]
    queryset = Gate.objects.select_related("zone_inside", "zone_outside").order_by("code")
    ordering_fields = ["code", "kind"]


def _dead_letter(request, rejected: list[dict]) -> None:
    sender = f"{request.user.get_username()}@{request.META.get('REMOTE_ADDR', '')}"
    monitoring_services.dead_letters_record(items=[(
        "http", sender, "; ".join(f"[{r['index']}] {r['error']}" for r in rejected),
        "[" + ", ".join(repr(request.data[r["index"]]) for r in rejected[:50]) + "]", len(rejected))])


class GateEvents(APIView):
    """Passages from a gate device (number-plate camera, turnstile, card reader), with its own
    token; only for its own gate (its `subject`). Bad items are refused one by one and
    dead-lettered with the reason; the same passage twice is stored once."""

    authentication_classes = [sources.DeviceTokenAuthentication]
    permission_classes = [sources.IsDevice]

    @extend_schema(request={"application/json": {"type": "array", "maxItems": MAX_ITEMS, "items": {"type": "object"}}},
                   responses={202: IngestAnswerSerializer})
    def post(self, request):
        from devices.models import Device, DeviceKind

        data = request.data
        if not isinstance(data, list) or not 1 <= len(data) <= MAX_ITEMS:
            raise DomainError(_("Send a JSON array of 1 to %(n)s passages.") % {"n": MAX_ITEMS})
        device = Device.objects.filter(code=request.auth.code, revoked_at__isnull=True).first()
        own_gate = device.subject if device is not None and device.kind == DeviceKind.GATE else None
        good, origin, rejected = [], [], []
        for index, item in enumerate(data):
            try:
                event = parsing.gate_event(item)
            except parsing.PayloadError as exc:
                rejected.append({"index": index, "error": str(exc)})
                continue
            if event.gate != own_gate:
                rejected.append({"index": index, "error": _("Gate “%(g)s” is not device “%(d)s”'s gate.") % {
                    "g": event.gate, "d": request.auth.code}})
                continue
            good.append(event)
            origin.append(index)
        try:
            _new, refused = services.passages_store(events_in=good, device=request.auth.code)
        except (DataError, ValueError) as exc:
            raise DomainError(_("The database refused these passages: %(e)s") % {"e": exc}) from None
        rejected += [{"index": origin[i], "error": reason} for i, reason in refused]
        rejected.sort(key=lambda r: r["index"])
        if rejected:
            _dead_letter(request, rejected)
        return Response({"accepted": len(good) - len(refused), "rejected": rejected}, status=status.HTTP_202_ACCEPTED)


class Presence(APIView):
    permission_classes = [ParkReaders]

    @extend_schema(responses={200: {"type": "object"}})
    def get(self, request):
        return Response(selectors.presence(request.user))


class PresenceCorrection(APIView):
    permission_classes = [role_permission(*CORRECTION_ROLES)]

    @extend_schema(request=CorrectionSerializer, responses={200: {"type": "object"}})
    def post(self, request):
        data = CorrectionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        counts = services.presence_correct(actor=request.user, zone_code=values.pop("zone"), **values)
        return Response(counts)


class Lots(APIView):
    permission_classes = [ParkOnly]

    @extend_schema(responses={200: {"type": "array", "items": {"type": "object"}}})
    def get(self, request):
        return Response(selectors.lots())


class AppointmentList(generics.ListAPIView):
    serializer_class = AppointmentSerializer
    permission_classes = [ParkReaders]
    ordering_fields = ["window_from", "created_at"]

    def get_queryset(self):
        return services.appointments_visible(self.request.user).order_by("-window_from", "-id")

    @extend_schema(request=AppointmentInputSerializer, responses={201: AppointmentSerializer})
    def post(self, request):
        data = AppointmentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        appointment = services.appointment_book(actor=request.user, **data.validated_data)
        return Response(AppointmentSerializer(appointment).data, status=status.HTTP_201_CREATED)


class AppointmentDetail(generics.RetrieveAPIView):
    serializer_class = AppointmentSerializer
    permission_classes = [ParkReaders]

    def get_queryset(self):
        return services.appointments_visible(self.request.user)


def _scoped(queryset, user):
    scope = enterprise_scope(user)
    return queryset if scope is None else queryset.filter(enterprise_id=scope)


class GateAlarmList(generics.ListAPIView):
    serializer_class = GateAlarmSerializer
    permission_classes = [ParkReaders]
    filterset_fields = ["state", "kind", "plate"]
    ordering_fields = ["raised_at"]

    def get_queryset(self):
        return _scoped(GateAlarm.objects.select_related("gate", "acknowledged_by"), self.request.user) \
            .order_by("-raised_at", "-id")


class GateAlarmAcknowledge(APIView):
    permission_classes = [role_permission(*ALARM_ACK_ROLES)]

    @extend_schema(request=ParkAlarmAcknowledgeSerializer, responses={200: GateAlarmSerializer})
    def post(self, request, pk):
        data = ParkAlarmAcknowledgeSerializer(data=request.data if request.data is not None else {})
        data.is_valid(raise_exception=True)
        alarm = services.gate_alarm_acknowledge(actor=request.user, alarm_id=pk, **data.validated_data)
        return Response(GateAlarmSerializer(alarm).data)


class VehicleAlarmList(generics.ListAPIView):
    serializer_class = VehicleAlarmSerializer
    permission_classes = [ParkReaders]
    filterset_fields = ["state", "kind", "plate"]
    ordering_fields = ["raised_at"]

    def get_queryset(self):
        return _scoped(VehicleAlarm.objects.select_related("acknowledged_by"), self.request.user) \
            .order_by("-raised_at", "-id")


class VehicleAlarmAcknowledge(APIView):
    permission_classes = [role_permission(*ALARM_ACK_ROLES)]

    @extend_schema(request=ParkAlarmAcknowledgeSerializer, responses={200: VehicleAlarmSerializer})
    def post(self, request, pk):
        ParkAlarmAcknowledgeSerializer(data=request.data if request.data is not None else {}).is_valid(raise_exception=True)
        alarm = services.vehicle_alarm_acknowledge(actor=request.user, alarm_id=pk)
        return Response(VehicleAlarmSerializer(alarm).data)


def _when(raw, name, default):
    if raw in (None, ""):
        return default
    try:
        value = dt.datetime.fromisoformat(raw)
    except (ValueError, TypeError):
        raise DomainError(_("“%(f)s” must be ISO 8601 with an offset.") % {"f": name}) from None
    if value.tzinfo is None:
        raise DomainError(_("“%(f)s” needs a UTC offset (e.g. +08:00 or Z).") % {"f": name})
    return value


class VehicleTrack(APIView):
    """A vehicle's track for replay: the park and the command centre; an enterprise officer for
    the enterprise's own vehicles (its appointments' plates) only."""

    permission_classes = [ParkReaders]

    @extend_schema(responses={200: {"type": "object", "description": "GeoJSON FeatureCollection: the LineString "
                                                                      "and each position"}})
    def get(self, request, plate):
        scope = enterprise_scope(request.user)
        if scope is not None and plate not in selectors.enterprise_plates(scope):
            raise DomainError(_("Not your enterprise's vehicle."), status=404)
        end = _when(request.query_params.get("to"), "to", timezone.now())
        start = _when(request.query_params.get("from"), "from", end - dt.timedelta(hours=2))
        if not start < end or end - start > dt.timedelta(days=7):
            raise DomainError(_("“from” must be before “to”, at most 7 days apart."))
        limit = params.parse_int(request.query_params.get("limit"), name="limit", minimum=1, maximum=20000,
                                 default=5000)
        rows = list(VehiclePosition.objects.filter(plate=plate, ts__gte=start, ts__lte=end).order_by("ts")[:limit])
        features = [{"type": "Feature", "id": p.pk, "geometry": {"type": "Point", "coordinates": [
            round(p.location.x, 6), round(p.location.y, 6)]}, "properties": {"ts": p.ts.isoformat(),
                                                                            "speed_kmh": p.speed_kmh}} for p in rows]
        if len(rows) > 1:
            features.insert(0, {"type": "Feature", "id": plate, "geometry": {"type": "LineString", "coordinates": [
                [round(p.location.x, 6), round(p.location.y, 6)] for p in rows]}, "properties": {"plate": plate}})
        return Response({"type": "FeatureCollection", "features": features})

