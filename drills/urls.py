from django.urls import path

from drills import views

app_name = "drills"

urlpatterns = [
    path("", views.drill_list, name="list"),
    path("new/", views.drill_new, name="new"),
    path("<int:pk>/", views.drill_detail, name="detail"),
    path("<int:pk>/act/", views.drill_act, name="act"),
    path("<int:pk>/report/", views.drill_report, name="report"),
    path("findings/", views.finding_add, name="finding_add"),
    path("findings/<int:pk>/revision/", views.finding_revision, name="finding_revision"),
    path("incident/<int:pk>/release/", views.incident_release, name="incident_release"),
]
