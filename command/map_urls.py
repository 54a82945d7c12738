from django.urls import path

from command import map_views

app_name = "map"

urlpatterns = [
    path("", map_views.map_page, name="map"),
    path("3d/", map_views.map_3d_page, name="map3d"),
]
