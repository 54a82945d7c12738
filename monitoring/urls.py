from django.urls import path

from monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("", views.points, name="points"),
    path("alarms/", views.alarms, name="alarms"),
    path("points/<int:pk>/", views.point_detail, name="point"),
]
