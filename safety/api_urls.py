from django.urls import path

from safety import api, layers

urlpatterns = [
    path("enterprises/", api.EnterpriseList.as_view(), name="api-enterprises"),
    path("enterprises/<int:pk>/", api.EnterpriseDetail.as_view(), name="api-enterprise"),
    path("enterprises/<int:pk>/ledger.xlsx", api.EnterpriseLedgerExport.as_view(), name="api-enterprise-ledger"),
    path("risk-points/", api.RiskPointList.as_view(), name="api-risk-points"),
    path("hidden-danger-criteria/", api.CriteriaList.as_view(), name="api-hidden-danger-criteria"),
    path("hidden-dangers/", api.HiddenDangerList.as_view(), name="api-hidden-dangers"),
    path("hidden-dangers/import/", api.HiddenDangerImport.as_view(), name="api-hidden-dangers-import"),
    path("hidden-dangers/<int:pk>/", api.HiddenDangerDetail.as_view(), name="api-hidden-danger"),
    path("hidden-dangers/<int:pk>/rectification/", api.HiddenDangerRectification.as_view(),
         name="api-hidden-danger-rectification"),
    path("hidden-dangers/<int:pk>/rectified/", api.HiddenDangerRectified.as_view(), name="api-hidden-danger-rectified"),
    path("hidden-dangers/<int:pk>/verify/", api.HiddenDangerVerify.as_view(), name="api-hidden-danger-verify"),
    path("hidden-dangers/<int:pk>/photos/", api.HiddenDangerPhotos.as_view(), name="api-hidden-danger-photos"),
    path("hidden-dangers/<int:pk>/photos/<int:photo_pk>/", api.HiddenDangerPhotoFile.as_view(),
         name="api-hidden-danger-photo"),
    path("work-permits/", api.WorkPermitList.as_view(), name="api-work-permits"),
    path("work-permits/<int:pk>/", api.WorkPermitDetail.as_view(), name="api-work-permit"),
    path("work-permits/<int:pk>/start/", api.WorkPermitAction.as_view(action_name="start"), name="api-work-permit-start"),
    path("work-permits/<int:pk>/resume/", api.WorkPermitAction.as_view(action_name="resume"),
         name="api-work-permit-resume"),
    path("work-permits/<int:pk>/close/", api.WorkPermitAction.as_view(action_name="close"), name="api-work-permit-close"),
    path("work-permits/<int:pk>/cancel/", api.WorkPermitAction.as_view(action_name="cancel"),
         name="api-work-permit-cancel"),
    path("work-permits/<int:pk>/gas-tests/", api.WorkPermitGasTests.as_view(), name="api-work-permit-gas-tests"),
    path("layers/work-permits/", layers.work_permits_layer, name="api-layer-work-permits"),
    path("commitments/", api.CommitmentList.as_view(), name="api-commitments"),
    path("inspection-draws/", api.InspectionDrawList.as_view(), name="api-inspection-draws"),
]
