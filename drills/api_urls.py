from django.urls import path

from drills import api

urlpatterns = [
    path("scenarios/", api.ScenarioList.as_view(), name="api-scenarios"),
    path("drills/", api.DrillListCreate.as_view(), name="api-drills"),
    path("drills/due/", api.DrillsDue.as_view(), name="api-drills-due"),
    path("drills/<int:pk>/", api.DrillDetail.as_view(), name="api-drill"),
    path("drills/<int:pk>/start/", api.DrillStart.as_view(), name="api-drill-start"),
    path("drills/<int:pk>/end/", api.DrillEnd.as_view(), name="api-drill-end"),
    path("drills/<int:pk>/release-units/", api.DrillReleaseUnits.as_view(), name="api-drill-release"),
    path("drills/<int:pk>/report/", api.DrillReport.as_view(), name="api-drill-report"),
    path("drills/<int:pk>/findings/", api.DrillFindings.as_view(), name="api-drill-findings"),
    path("findings/", api.FindingList.as_view(), name="api-findings"),
    path("findings/<int:pk>/revision/", api.FindingRevision.as_view(), name="api-finding-revision"),
]
