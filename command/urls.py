from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from command import health, security, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("login/", security.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("no-role/", TemplateView.as_view(template_name="command/no_role.html"), name="no_role"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("incidents/", include("incidents.urls")),
    path("map/", include("command.map_urls")),
    path("plans/", include("plans.urls")),
    path("alerts/", include("alerts.urls")),
    # The after-action review is incidents' (issue 23); its pages keep the URLs they had under drills.
    path("drills/after-action/", include("incidents.report_urls")),
    path("drills/", include("drills.urls")),
    path("safety/", include("safety.urls")),
    path("oversight/", include("oversight.urls")),
    path("exchange/", include("exchange.urls")),
    path("monitoring/", include("monitoring.urls")),
    path("notices/", include("notices.urls")),
    path("", include("notices.public_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: the CSP allows no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("command.api_urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
