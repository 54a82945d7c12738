"""Admin of the 双重预防 exchange: read-only. Credentials are issued and revoked on the exchange
page or through the API (the token is shown once); what the systems sent comes in batches."""

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from exchange import services
from exchange.models import (
    CheckTask,
    ControlMeasure,
    Credential,
    HiddenDangerLink,
    RiskEvent,
    RiskObject,
    RiskUnit,
    Sync,
)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Sync)
class SyncAdmin(ReadOnly):
    list_display = ["enterprise", "last_success_at", "stale", "last_error_at", "last_error", "batches"]
    list_select_related = ["enterprise"]
    search_fields = ["enterprise__code", "enterprise__name"]

    @admin.display(boolean=True, description=_("stale"))
    def stale(self, obj) -> bool:
        return obj.last_success_at is None or obj.last_success_at + services.stale_after() < timezone.now()


@admin.register(Credential)
class CredentialAdmin(ReadOnly):
    list_display = ["enterprise", "name", "prefix", "issued_at", "last_used_at", "revoked_at"]
    list_select_related = ["enterprise"]
    list_filter = ["revoked_at"]
    search_fields = ["enterprise__code", "name", "prefix"]


for _model in (RiskObject, RiskUnit, RiskEvent, ControlMeasure, CheckTask, HiddenDangerLink):
    admin.site.register(_model, type(f"{_model.__name__}Admin", (ReadOnly,), {
        "list_display": ["enterprise", "source_id", "__str__", "deleted", "received_at"],
        "list_select_related": ["enterprise"], "list_filter": ["deleted"],
        "search_fields": ["source_id", "enterprise__code"]}))
