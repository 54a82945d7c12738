from django.urls import path

from exchange import api

urlpatterns = [
    path("exchange/dual-prevention/", api.Batch.as_view(), name="api-exchange-batch"),
    path("exchange/credentials/", api.CredentialList.as_view(), name="api-exchange-credentials"),
    path("exchange/credentials/<int:pk>/revoke/", api.CredentialRevoke.as_view(), name="api-exchange-revoke"),
    path("exchange/status/", api.SyncStatus.as_view(), name="api-exchange-status"),
]
