from django.urls import path

from resources import api

urlpatterns = [
    path("resources/", api.ResourceList.as_view(), name="api-resources"),
]
