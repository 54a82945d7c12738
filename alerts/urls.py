# Public warnings (预警发布) and CAP 1.2: see issue 6. Mounted at /alerts/.
from django.urls import path

from alerts import feeds, views

app_name = "alerts"

urlpatterns = [
    path("", views.alert_list, name="list"),
    path("feed/", feeds.CurrentAlertsFeed(), name="feed"),
    path("new/", views.alert_new, name="new"),
    path("<int:pk>/", views.alert_detail, name="detail"),
    path("<int:pk>/edit/", views.alert_edit, name="edit"),
    path("<int:pk>/issue/", views.alert_issue, name="issue"),
    path("<int:pk>/cancel/", views.alert_cancel, name="cancel"),
]
