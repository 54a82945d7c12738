"""Mounted under /api/v1/ (command/api_urls.py)."""

from django.urls import include, path

from alerts import api

app_name = "alerts-api"

urlpatterns = [
    path("alerts/", include([
        path("", api.AlertList.as_view(), name="list"),
        path("layer/", api.AlertLayer.as_view(), name="layer"),
        path("<int:pk>/", api.AlertDetail.as_view(), name="detail"),
        path("<int:pk>/cap/", api.AlertCap.as_view(), name="cap"),
        path("<int:pk>/issue/", api.AlertIssue.as_view(), name="issue"),
        path("<int:pk>/update/", api.AlertUpdate.as_view(), name="update"),
        path("<int:pk>/cancel/", api.AlertCancel.as_view(), name="cancel"),
    ])),
]
