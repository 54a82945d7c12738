from django.urls import path

from oversight import api

urlpatterns = [
    path("licences/", api.LicenceList.as_view(), name="api-licences"),
    path("licences/<int:pk>/", api.LicenceDetail.as_view(), name="api-licence"),
    path("duty-checks/", api.DutyCheckList.as_view(), name="api-duty-checks"),
    path("duty-checks/status/", api.DutyStatus.as_view(), name="api-duty-checks-status"),
    path("evaluations/", api.EvaluationList.as_view(), name="api-evaluations"),
    path("turnarounds/", api.TurnaroundList.as_view(), name="api-turnarounds"),
    path("inspections/", api.InspectionList.as_view(), name="api-inspections"),
    path("inspections/<int:pk>/", api.InspectionDetail.as_view(), name="api-inspection"),
    path("inspections/<int:pk>/order.pdf", api.InspectionOrder.as_view(), name="api-inspection-order"),
    path("inspections/<int:pk>/follow-up/", api.InspectionFollowUp.as_view(), name="api-inspection-follow-up"),
    path("red-findings/", api.RedFindingList.as_view(), name="api-red-findings"),
    path("red-findings/<int:pk>/resolve/", api.RedFindingResolve.as_view(), name="api-red-finding-resolve"),
    path("oversight/", api.Overview.as_view(), name="api-oversight"),
    path("oversight.xlsx", api.OverviewExport.as_view(), name="api-oversight-xlsx"),
]
