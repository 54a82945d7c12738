from django.contrib import admin
from leaflet.admin import LeafletGeoAdminMixin
from simple_history.admin import SimpleHistoryAdmin

from alerts.models import Alert


@admin.register(Alert)
class AlertAdmin(LeafletGeoAdminMixin, SimpleHistoryAdmin):
    """Read-only: warnings are written on the console (/alerts/) so that every change becomes a
    CAP message, an event on the stream and, when linked, a timeline entry."""

    list_display = ("headline", "level", "status", "effective", "expires", "identifier", "incident")
    list_filter = ("status", "level", "category")
    search_fields = ("headline", "event", "identifier", "area_description")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
