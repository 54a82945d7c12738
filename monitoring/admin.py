from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin

from core.errors import DomainError
from monitoring import services
from monitoring.models import Alarm, AlarmEntry, DeadLetter, DeadLetterDrop, MonitoringPoint


@admin.register(MonitoringPoint)
class MonitoringPointAdmin(LeafletGeoAdmin):
    list_display = ("code", "name", "kind", "risk_source", "unit", "limit_ll", "limit_l", "limit_h", "limit_hh",
                    "state", "last_value", "last_ts")
    list_filter = ("kind", "state", "risk_source")
    search_fields = ("code", "name")
    readonly_fields = ("state", "last_ts", "last_value")
    filter_horizontal = ("responsible",)
    actions = ["stage_leak"]

    @admin.action(description=_("Demo: stage a leak at the risk sources of the selected points (simulator)"),
                  permissions=["change"])
    def stage_leak(self, request, queryset):
        """Asks the running demo simulator (manage.py simulate run) for a leak: within half a
        minute the sources' gas detectors go H, then HH, on every console."""
        import asyncio

        from django.conf import settings

        from monitoring import simulator

        sources = sorted({p.risk_source.code for p in queryset.select_related("risk_source") if p.risk_source})
        if not sources:
            self.message_user(request, _("None of the selected points is on a risk source."), messages.WARNING)
            return
        try:
            for code in sources:
                asyncio.run(simulator.order_leak(url=settings.MQTT_URL, prefix=settings.MQTT_TOPIC_PREFIX,
                                                 source=code, seconds=180))
        except Exception as exc:  # noqa: BLE001 - the broker's answer, shown to the person
            self.message_user(request, _("The MQTT broker could not be reached: %(e)s") % {"e": exc},
                              messages.ERROR)
            return
        self.message_user(request, _("Leak staged at %(s)s for 3 minutes (needs the demo simulator running).") % {
            "s": ", ".join(sources)})


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
    """What the ingester could not use, with the reason: one per message, within caps."""

    list_display = ("received_at", "source", "topic", "items", "reason")
    list_filter = ("source",)
    search_fields = ("topic", "reason", "payload")
    readonly_fields = ("received_at", "source", "topic", "items", "size", "reason", "payload")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        # The caps, how full they are, and what they dropped: an administrator deleting old
        # letters makes room again.
        from django.conf import settings
        from django.db.models import Sum
        from django.template.defaultfilters import filesizeformat

        stored = DeadLetter.objects.aggregate(s=Sum("size"))["s"] or 0
        dropped = DeadLetterDrop.objects.aggregate(m=Sum("messages"))["m"] or 0
        self.message_user(request, _(
            "Dead letters are kept up to %(per)s per sender and %(total)s in all (now %(stored)s). "
            "Beyond that they are dropped and only counted: %(dropped)s dropped so far (see “dropped dead letters”)."
        ) % {"per": settings.MONITORING_DEAD_LETTERS_PER_SENDER,
             "total": filesizeformat(settings.MONITORING_DEAD_LETTERS_MAX_BYTES),
             "stored": filesizeformat(stored), "dropped": dropped},
            messages.WARNING if dropped else messages.INFO)
        return super().changelist_view(request, extra_context)


@admin.register(DeadLetterDrop)
class DeadLetterDropAdmin(admin.ModelAdmin):
    """Who sent dead letters that a cap did not let in, how many, and since when."""

    list_display = ("sender", "cap", "messages", "bytes", "first_at", "last_at")
    list_filter = ("cap",)
    search_fields = ("sender",)
    readonly_fields = ("sender", "cap", "messages", "bytes", "first_at", "last_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
