from django.urls import path

from devices import api

urlpatterns = [
    path("devices/", api.DeviceList.as_view(), name="api-devices"),
    path("devices/counts/", api.DeviceCounts.as_view(), name="api-device-counts"),
    path("devices/calibration-overdue/", api.CalibrationOverdue.as_view(), name="api-devices-calibration-overdue"),
    path("devices/<int:pk>/", api.DeviceDetail.as_view(), name="api-device"),
    path("devices/<int:pk>/rotate/", api.DeviceRotate.as_view(), name="api-device-rotate"),
    path("devices/<int:pk>/revoke/", api.DeviceRevoke.as_view(), name="api-device-revoke"),
]
