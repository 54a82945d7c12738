from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin

from core.errors import DomainError
from monitoring import services
from monitoring.models import Alarm, AlarmEntry, DeadLetter, MonitoringPoint


@admin.register(MonitoringPoint)
class MonitoringPointAdmin(LeafletGeoAdmin):
    list_display = ("code", "name", "kind", "risk_source", "unit", "limit_ll", "limit_l", "limit_h", "limit_hh",
                    "state", "last_value", "last_ts")
    list_filter = ("kind", "state", "risk_source")
    search_fields = ("code", "name")
    readonly_fields = ("state", "last_ts", "last_value")
    filter_horizontal = ("responsible",)
    autocomplete_fields = ()


class AlarmEntryInline(admin.TabularInline):
    model = AlarmEntry
    extra = 0
    can_delete = False
    readonly_fields = ("at", "kind", "level", "value", "actor", "note")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Alarm)
class AlarmAdmin(admin.ModelAdmin):
    """Alarms change through the engine and the console only: read-only here."""

    list_display = ("point", "level", "state", "raised_at", "cleared_at", "peak_value", "acknowledged_by",
                    "incident", "exercise")
    list_filter = ("state", "level", "exercise", "slot")
    search_fields = ("point__code", "point__name")
    inlines = [AlarmEntryInline]
    actions = ["acknowledge"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Acknowledge the selected alarms"))
    def acknowledge(self, request, queryset):
        for alarm in queryset:
            try:
                services.alarm_acknowledge(actor=request.user, alarm_id=alarm.pk, note=str(_("Acknowledged in the admin.")))
            except DomainError as exc:
                self.message_user(request, f"{alarm}: {exc}", messages.WARNING)


@admin.register(DeadLetter)
class DeadLetterAdmin(admin.ModelAdmin):
    """What the ingester could not use, with the reason."""

    list_display = ("received_at", "source", "topic", "reason")
    list_filter = ("source",)
    search_fields = ("topic", "reason", "payload")
    readonly_fields = ("received_at", "source", "topic", "reason", "payload")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
