from django.urls import path

from park import api

urlpatterns = [
    path("park-zones/", api.ZoneList.as_view(), name="api-park-zones"),
    path("gates/", api.GateList.as_view(), name="api-gates"),
    path("gate-events/", api.GateEvents.as_view(), name="api-gate-events"),
    path("park/presence/", api.Presence.as_view(), name="api-park-presence"),
    path("park/presence/corrections/", api.PresenceCorrection.as_view(), name="api-park-presence-corrections"),
    path("park/lots/", api.Lots.as_view(), name="api-park-lots"),
    path("park/vehicles/<str:plate>/track/", api.VehicleTrack.as_view(), name="api-park-vehicle-track"),
    path("hazmat-appointments/", api.AppointmentList.as_view(), name="api-hazmat-appointments"),
    path("hazmat-appointments/<int:pk>/", api.AppointmentDetail.as_view(), name="api-hazmat-appointment"),
    path("gate-alarms/", api.GateAlarmList.as_view(), name="api-gate-alarms"),
    path("gate-alarms/<int:pk>/acknowledge/", api.GateAlarmAcknowledge.as_view(), name="api-gate-alarm-acknowledge"),
    path("vehicle-alarms/", api.VehicleAlarmList.as_view(), name="api-vehicle-alarms"),
    path("vehicle-alarms/<int:pk>/acknowledge/", api.VehicleAlarmAcknowledge.as_view(),
         name="api-vehicle-alarm-acknowledge"),
]
