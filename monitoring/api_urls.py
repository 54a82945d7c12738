from django.urls import path

from monitoring import api, weather_api

urlpatterns = [
    path("readings/", api.ReadingsIngest.as_view(), name="api-readings"),
    path("monitoring-points/", api.PointList.as_view(), name="api-monitoring-points"),
    path("monitoring-points/<int:pk>/", api.PointDetail.as_view(), name="api-monitoring-point"),
    path("monitoring-points/<int:pk>/readings/", api.PointReadings.as_view(), name="api-monitoring-point-readings"),
    path("alarms/", api.AlarmList.as_view(), name="api-alarms"),
    path("alarms/<int:pk>/", api.AlarmDetail.as_view(), name="api-alarm"),
    path("alarms/<int:pk>/acknowledge/", api.AlarmAcknowledge.as_view(), name="api-alarm-acknowledge"),
    path("alarms/<int:pk>/incident/", api.AlarmIncident.as_view(), name="api-alarm-incident"),
    path("weather/", weather_api.WeatherList.as_view(), name="api-weather"),
]
