from django.urls import path

from command import layers

urlpatterns = [
    path("<slug:name>/", layers.layer, name="api-layer"),
]
