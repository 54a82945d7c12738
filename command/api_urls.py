"""/api/v1/: each app contributes its own routes (see docs/contract.md for the contract)."""

from django.urls import include, path

from command import api_views

urlpatterns = [
    path("auth/token/", api_views.obtain_token, name="api-token"),
    path("me/", api_views.me, name="api-me"),
    path("", include("incidents.api_urls")),
    path("", include("resources.api_urls")),
    path("", include("hazards.api_urls")),
    path("", include("monitoring.api_urls")),
    # Before layers/: it serves its own layers/work-permits/.
    path("", include("safety.api_urls")),
    path("", include("places.api_urls")),
    path("", include("devices.api_urls")),
    path("layers/", include("command.layer_urls")),
    path("", include("plans.api_urls")),
    path("", include("alerts.api_urls")),
    path("", include("drills.api_urls")),
    path("", include("oversight.api_urls")),
    path("", include("exchange.api_urls")),
    path("", include("notices.api_urls")),
    path("", include("park.api_urls")),
]
