# The 双重预防 exchange's page (issue 25 point 8). Mounted at /exchange/.
from django.urls import path

from exchange import views

app_name = "exchange"

urlpatterns = [
    path("", views.status, name="status"),
    path("credentials/", views.credential_issue, name="credential_issue"),
    path("credentials/<int:pk>/revoke/", views.credential_revoke, name="credential_revoke"),
]
