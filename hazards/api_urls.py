from django.urls import path

from hazards import api

urlpatterns = [
    path("chemicals/", api.ChemicalList.as_view(), name="api-chemicals"),
    path("risk-sources/", api.RiskSourceList.as_view(), name="api-risk-sources"),
    path("risk-sources/<int:pk>/", api.RiskSourceDetail.as_view(), name="api-risk-source"),
]
