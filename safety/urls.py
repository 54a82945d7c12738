# The park's safety ledger (一盘帐): issue 12. Mounted at /safety/.
from django.urls import path

from safety import views, views_work

app_name = "safety"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("map/", views.risk_map, name="map"),
    path("draws/", views.draw, name="draw"),
    path("enterprises/<int:pk>/", views.enterprise, name="enterprise"),
    path("enterprises/<int:pk>/ledger.xlsx", views.enterprise_export, name="enterprise_export"),
    path("enterprises/<int:pk>/commitment/", views.commitment, name="commitment"),
    path("enterprises/<int:pk>/risk-points/", views.risk_point_add, name="risk_point_add"),
    path("hidden-dangers/", views.hidden_danger_list, name="hidden_dangers"),
    path("hidden-dangers/new/", views.hidden_danger_new, name="hidden_danger_new"),
    path("hidden-dangers/<int:pk>/", views.hidden_danger, name="hidden_danger"),
    *[path(f"hidden-dangers/<int:pk>/{step}/", views.hidden_danger_step, {"step": step}, name=f"hidden_danger_{step}")
      for step in ("plan", "rectified", "verify")],
    path("hidden-dangers/<int:pk>/photos/", views.hidden_danger_step, {"step": "photo"}, name="hidden_danger_photo_add"),
    path("hidden-dangers/<int:pk>/photos/<int:photo_pk>/", views.hidden_danger_photo, name="hidden_danger_photo"),
    path("permits/", views.permit_list, name="permits"),
    path("permits/new/", views.permit_new, name="permit_new"),
    path("permits/<int:pk>/", views.permit, name="permit"),
    *[path(f"permits/<int:pk>/{step}/", views.permit_step, {"step": step}, name=f"permit_{step.replace('-', '_')}")
      for step in ("start", "resume", "pause", "close", "cancel", "gas-test")],
    path("permits/<int:pk>/approve/", views_work.permit_approve, name="permit_approve"),
    path("permits/<int:pk>/file/", views_work.permit_file, name="permit_file"),
    path("permits/<int:pk>/spot-check/", views_work.permit_spot_check, name="permit_spot_check"),
    path("special-work/", views_work.special_work, name="special_work"),
    path("special-work/stats.xlsx", views_work.stats_export, name="special_work_stats_export"),
    path("special-work/filings/", views_work.filing_new, name="filing_new"),
    path("contractors/", views_work.contractors, name="contractors"),
    path("contractors/<int:pk>/qualifications/", views_work.qualification_add, name="contractor_qualification_add"),
]
