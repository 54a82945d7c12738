from django.urls import path

from plans import api

urlpatterns = [
    path("duty/now/", api.DutyNow.as_view(), name="api-duty-now"),
    path("people/<str:username>/roster.ics", api.roster_ics, name="api-roster-ics"),
    path("incidents/<int:pk>/plans/", api.IncidentPlans.as_view(), name="api-incident-plans"),
    path("incidents/<int:pk>/activations/", api.IncidentActivations.as_view(), name="api-activations"),
    path("tasks/<int:pk>/done/", api.TaskDone.as_view(), name="api-task-done"),
    path("plans/", api.PlanList.as_view(), name="api-plans"),
    path("plans/<int:pk>/", api.PlanDetail.as_view(), name="api-plan"),
    path("activations/", api.ActivationList.as_view(), name="api-activation-list"),
    path("activations/<int:pk>/", api.ActivationDetail.as_view(), name="api-activation"),
    path("tasks/", api.TaskList.as_view(), name="api-tasks"),
    path("tasks/<int:pk>/", api.TaskDetail.as_view(), name="api-task"),
    path("shifts/", api.ShiftList.as_view(), name="api-shifts"),
]
