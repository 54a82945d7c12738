from django.urls import path

from incidents import views

app_name = "incidents"

urlpatterns = [
    path("", views.incident_list, name="list"),
    path("new/", views.incident_new, name="new"),
    path("board/", views.unit_board, name="board"),
    path("metrics/", views.metrics, name="metrics"),
    path("responder/", views.responder_page, name="responder"),
]
