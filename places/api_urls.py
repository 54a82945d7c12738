from django.urls import path

from places import api

urlpatterns = [
    path("places/", api.PlaceSearch.as_view(), name="api-places"),
    path("basemap/", api.Basemap.as_view(), name="api-basemap"),
]
