# The park's safety administration (安全基础管理): issue 25. Mounted at /oversight/.
from django.urls import path

from oversight import views

app_name = "oversight"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("calendar/", views.calendar, name="calendar"),
]
