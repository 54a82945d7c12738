from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdminMixin
from simple_history.admin import SimpleHistoryAdmin

from incidents.models import (
    SEVERITY_NUMERALS,
    Assignment,
    Incident,
    IncidentReport,
    IncidentType,
    ReportRule,
    RunCard,
    RunCardNeed,
    TimelineEntry,
    capability_label,
)


@admin.register(IncidentType)
class IncidentTypeAdmin(admin.ModelAdmin):
    list_display = ("code", "klass", "name_zh", "name_en", "capabilities", "run_cards")
    list_filter = ("klass",)
    search_fields = ("code", "name_zh", "name_en")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("run_cards")

    @admin.display(description=_("required capabilities"))
    def capabilities(self, obj):
        # Names in the user's language, not codes (issue 13, point 14).
        return ", ".join(capability_label(c) for c in obj.required_capabilities)

    @admin.display(description=_("run cards"))
    def run_cards(self, obj):
        cards = sorted(obj.run_cards.all(), key=lambda c: c.severity or "Z")
        return ", ".join(SEVERITY_NUMERALS.get(c.severity) or str(_("any severity")) for c in cards) or "—"


class TimelineInline(admin.TabularInline):
    model = TimelineEntry
    extra = 0
    can_delete = False
    fields = ("at", "actor", "kind", "text")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Incident)
class IncidentAdmin(LeafletGeoAdminMixin, SimpleHistoryAdmin):
    """Read-mostly: incidents are logged and changed on the console so every change reaches
    the timeline and the live stream; the admin is for looking things up."""

    list_display = ("number", "title", "type", "severity", "status", "area", "created_at")
    list_filter = ("status", "severity", "type__klass", "type", "area")
    search_fields = ("number", "title", "address", "caller_name", "caller_phone", "description")
    date_hierarchy = "created_at"
    inlines = [TimelineInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # Deleting would take the timeline with it: the record of a response is kept.
        return False


@admin.register(Assignment)
class AssignmentAdmin(SimpleHistoryAdmin):
    list_display = ("incident", "resource", "status", "created_at", "acknowledged_at", "escalations")
    list_filter = ("status",)
    search_fields = ("incident__number", "resource__name", "resource__code")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- run cards (调派方案): kept by planners ------------------------------------------------

class RunCardNeedInline(admin.TabularInline):
    model = RunCardNeed
    extra = 3
    fields = ("position", "capability", "count")
    ordering = ("position", "id")


@admin.register(RunCard)
class RunCardAdmin(SimpleHistoryAdmin):
    """Per incident type and severity, the mix of capabilities a response needs. The console
    fills it with the nearest free units and shows what is still missing."""

    list_display = ("incident_type", "severity_label", "mix")
    list_filter = ("incident_type__klass", "incident_type", "severity")
    search_fields = ("incident_type__code", "incident_type__name_zh", "incident_type__name_en", "note")
    list_select_related = ("incident_type",)
    inlines = [RunCardNeedInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("needs")

    @admin.display(description=_("severity"), ordering="severity")
    def severity_label(self, obj):
        return obj.get_severity_display() if obj.severity else _("any severity")

    @admin.display(description=_("mix"))
    def mix(self, obj):
        return ", ".join(str(need) for need in obj.needs.all())


# Reporting deadlines are reference data (planners keep them); filed reports are read-only here:
# they are written through incidents.services.incident_report_file (on the timeline, with the event).
@admin.register(ReportRule)
class ReportRuleAdmin(SimpleHistoryAdmin):
    list_display = ("severity", "phone_min", "written_min", "followup_h", "final_days")


@admin.register(IncidentReport)
class IncidentReportAdmin(admin.ModelAdmin):
    list_display = ("incident", "kind", "channel", "filed_at", "filed_by")
    list_filter = ("kind", "channel")
    readonly_fields = ("incident", "kind", "channel", "text", "filed_at", "filed_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
