from django.urls import path

from plans import views

app_name = "plans"

urlpatterns = [
    path("", views.plan_list, name="list"),
    path("<int:pk>/document/", views.plan_document, name="document"),
    path("incidents/<int:pk>/", views.incident_plans, name="incident"),
    path("incidents/<int:pk>/panel/", views.incident_panel, name="panel"),
    path("incidents/<int:pk>/activate/", views.activate, name="activate"),
    path("activations/<int:pk>/raise/", views.activation_raise, name="raise"),
    path("activations/<int:pk>/end/", views.activation_end, name="end"),
    path("tasks/<int:pk>/done/", views.task_done, name="task_done"),
    path("duty/", views.duty, name="duty"),
    path("duty/month/", views.roster_month, name="month"),
    path("duty/import/", views.roster_import, name="import"),
    path("duty/handover/", views.handover_create, name="handover"),
    path("duty/handover/<int:pk>/confirm/", views.handover_confirm, name="handover_confirm"),
    path("duty/calendar/", views.my_calendar, name="calendar"),
]
