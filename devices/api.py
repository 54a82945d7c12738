"""REST API of the device registry (docs/contract.md "Devices"). Thin: parse, call a service, render."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import no_body
from devices import selectors, services
from devices.serializers import (
    DeviceInputSerializer,
    DeviceSecretsSerializer,
    DeviceSerializer,
    DeviceUpdateSerializer,
)


class ManagesDevices(permissions.BasePermission):
    def has_permission(self, request, view):
        return selectors.manages_devices(request.user)


class SeesDevices(permissions.BasePermission):
    """The park's supervisors and console roles, device managers, and an enterprise's safety
    officer (for the enterprise's own devices)."""

    def has_permission(self, request, view):
        from safety import selectors as safety_selectors

        user = request.user
        return bool(selectors.manages_devices(user) or safety_selectors.sees_whole_park(user)
                    or safety_selectors.membership_enterprise_id(user))


def _secrets(device, issued) -> dict:
    device = selectors.with_status(type(device).objects.filter(pk=device.pk)).get()
    for name, value in issued.items():
        setattr(device, name, value)
    return DeviceSecretsSerializer(device).data


class DeviceList(generics.ListAPIView):
    serializer_class = DeviceSerializer
    permission_classes = [ManagesDevices]
    ordering_fields = ["code", "kind", "calibrated_at"]

    def get_queryset(self):
        return selectors.with_status(selectors.devices_visible_to(self.request.user)).order_by("code")

    @extend_schema(request=DeviceInputSerializer, responses={201: DeviceSecretsSerializer})
    def post(self, request):
        data = DeviceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        device, issued = services.device_create(actor=request.user, **data.validated_data)
        return Response(_secrets(device, issued), status=status.HTTP_201_CREATED)


class DeviceDetail(generics.RetrieveAPIView):
    serializer_class = DeviceSerializer
    permission_classes = [ManagesDevices]

    def get_queryset(self):
        return selectors.with_status(selectors.devices_visible_to(self.request.user))

    @extend_schema(request=DeviceUpdateSerializer, responses={200: DeviceSerializer})
    def patch(self, request, pk):
        device = self.get_object()
        data = DeviceUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        device = services.device_update(actor=request.user, device=device, **data.validated_data)
        return Response(DeviceSerializer(selectors.with_status(type(device).objects.filter(pk=device.pk)).get()).data)


class DeviceRotate(APIView):
    permission_classes = [ManagesDevices]

    @extend_schema(request=None, responses={200: DeviceSecretsSerializer})
    def post(self, request, pk):
        no_body(request)
        device = get_object_or_404(selectors.devices_visible_to(request.user), pk=pk)
        device, issued = services.device_rotate(actor=request.user, device=device)
        return Response(_secrets(device, issued))


class DeviceRevoke(APIView):
    permission_classes = [ManagesDevices]

    @extend_schema(request=None, responses={200: DeviceSerializer})
    def post(self, request, pk):
        no_body(request)
        device = get_object_or_404(selectors.devices_visible_to(request.user), pk=pk)
        device = services.device_revoke(actor=request.user, device=device)
        return Response(DeviceSerializer(selectors.with_status(type(device).objects.filter(pk=device.pk)).get()).data)


@extend_schema(responses=DeviceSerializer(many=True))
class CalibrationOverdue(APIView):
    """Devices past their calibration date: the whole park, or an officer's own enterprise. A
    plain list (no filters, ordering or paging: the selector answers a list, which the generic
    list view's filter backends cannot take)."""

    permission_classes = [SeesDevices]

    def get(self, request):
        rows = selectors.calibration_overdue(selectors.with_status(selectors.devices_visible_to(request.user)))
        return Response(DeviceSerializer(rows, many=True).data)


class DeviceCounts(APIView):
    """Devices by enterprise: total, online, offline, calibration overdue, by kind."""

    permission_classes = [SeesDevices]

    @extend_schema(responses={200: {"type": "array", "items": {"type": "object"}}})
    def get(self, request):
        return Response(selectors.counts_by_enterprise(selectors.devices_visible_to(request.user)))
