from django.urls import path

from incidents import api, releases_api, reports_api

urlpatterns = [
    path("incidents/", api.IncidentListCreate.as_view(), name="api-incidents"),
    path("incidents/<int:pk>/", api.IncidentDetail.as_view(), name="api-incident"),
    path("incidents/<int:pk>/recommendations/", api.IncidentRecommendations.as_view(), name="api-recommendations"),
    path("incidents/<int:pk>/run-card/", api.IncidentRunCard.as_view(), name="api-run-card"),
    path("incidents/<int:pk>/units/", api.IncidentUnitSearch.as_view(), name="api-unit-search"),
    path("incidents/<int:pk>/assignments/", api.IncidentAssignments.as_view(), name="api-dispatch"),
    # Reports to the authorities and the after-action review (incidents.reports_api).
    path("incidents/<int:pk>/after-action/", reports_api.IncidentAfterAction.as_view(), name="api-after-action"),
    path("incidents/<int:pk>/reports/", reports_api.IncidentReports.as_view(), name="api-incident-reports"),
    path("incident-types/", api.IncidentTypeList.as_view(), name="api-incident-types"),
    path("assignments/", api.AssignmentList.as_view(), name="api-assignments"),
    path("assignments/<int:pk>/", api.AssignmentDetail.as_view(), name="api-assignment"),
    path("assignments/<int:pk>/acknowledge/", api.Acknowledge.as_view(), name="api-acknowledge"),
    path("assignments/<int:pk>/decline/", api.Decline.as_view(), name="api-decline"),
    path("assignments/<int:pk>/status/", api.SetStatus.as_view(), name="api-status"),
    # Releases may name an incident: incidents (above hazards) serves them (incidents.releases_api).
    path("releases/", releases_api.releases, name="api-releases"),
    path("releases/<int:pk>/", releases_api.release_detail, name="api-release"),
]
