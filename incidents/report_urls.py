"""The after-action review's pages, at the URLs they had when drills held them: command.urls
mounts this at /drills/after-action/ (before drills' own routes), so links and bookmarks
keep working."""

from django.urls import path

from incidents import report_views

app_name = "incident_reports"

urlpatterns = [
    path("<int:pk>/", report_views.after_action, name="aar"),
    path("<int:pk>.pdf", report_views.after_action_pdf, name="aar_pdf"),
    path("<int:pk>/reports/", report_views.report_file, name="report_file"),
]
