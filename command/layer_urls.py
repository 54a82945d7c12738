from django.urls import path

from alerts.api import AlertLayer
from command import layers

urlpatterns = [
    # Public warnings are the alerts app's own layer; listed here so every layer is under one prefix.
    path("alerts/", AlertLayer.as_view(), name="api-layer-alerts"),
    path("<slug:name>/", layers.layer, name="api-layer"),
]
