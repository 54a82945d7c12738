from django.urls import path

from plans import api

urlpatterns = [
    path("duty/now/", api.DutyNow.as_view(), name="api-duty-now"),
    path("people/<str:username>/roster.ics", api.roster_ics, name="api-roster-ics"),
    path("incidents/<int:pk>/plans/", api.IncidentPlans.as_view(), name="api-incident-plans"),
    path("incidents/<int:pk>/activations/", api.IncidentActivations.as_view(), name="api-activations"),
    path("tasks/<int:pk>/done/", api.TaskDone.as_view(), name="api-task-done"),
]
