from django.urls import path

from incidents import views

app_name = "incidents"

urlpatterns = [
    path("", views.incident_list, name="list"),
    path("new/", views.incident_new, name="new"),
    path("duplicates/", views.duplicates, name="duplicates"),
    path("board/", views.unit_board, name="board"),
    path("metrics/", views.metrics, name="metrics"),
    path("responder/", views.responder_page, name="responder"),
    path("<int:pk>/", views.incident_detail, name="detail"),
    path("<int:pk>/record-call/", views.record_call, name="record_call"),
    path("<int:pk>/dispatch/", views.dispatch, name="dispatch"),
    path("<int:pk>/change/", views.change, name="change"),
    path("assignments/<int:pk>/act/", views.assignment_act, name="assignment_act"),
    path("units/<int:pk>/return/", views.unit_return, name="unit_return"),
]
