from django.urls import path

from resources import api

urlpatterns = [
    path("resources/", api.ResourceList.as_view(), name="api-resources"),
    path("resources/<int:pk>/", api.ResourceDetail.as_view(), name="api-resource"),
    path("positions/", api.PositionsIngest.as_view(), name="api-positions"),
]
