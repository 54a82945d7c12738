"""Planners write scenarios and their injects here; drills, findings and revisions are read
here and written through the console and the API (their services guard them)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin, LeafletGeoAdminMixin
from simple_history.admin import SimpleHistoryAdmin

from drills.models import (
    Drill,
    Finding,
    Inject,
    InjectRun,
    RevisionTask,
    Scenario,
)


class InjectInline(LeafletGeoAdminMixin, admin.StackedInline):
    model = Inject
    extra = 1
    autocomplete_fields = ("point",)  # the park has hundreds of points: search by code or name
    fieldsets = (
        (None, {"fields": (("offset_s", "kind"), "title", "text")}),
        (_("Call"), {"fields": ("location", "address", ("incident_type", "severity"), ("caller_name", "caller_phone"))}),
        (_("Alarm"), {"fields": (("point", "level", "value"),),
                       "description": _("Raised as a real exercise alarm (演练) on the point: consoles ring and "
                                        "show it, the point's real state is untouched.")}),
        (_("Release and wind"), {"fields": (("chemical_cas", "rate_kg_s"), ("wind_speed_ms", "wind_from_deg",
                                                                         "stability"))}),
    )


@admin.register(Scenario)
class ScenarioAdmin(LeafletGeoAdmin, SimpleHistoryAdmin):
    list_display = ("title", "kind", "scope", "plan", "enterprise", "inject_count")
    list_filter = ("kind", "scope")
    search_fields = ("title", "objectives", "description")
    autocomplete_fields = ()
    inlines = [InjectInline]
    readonly_fields = ("created_by", "created_at")

    @admin.display(description=_("injects"))
    def inject_count(self, obj):
        return obj.injects.count()

    def save_model(self, request, obj, form, change):
        if not obj.created_by_id:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class InjectRunInline(admin.TabularInline):
    model = InjectRun
    extra = 0
    can_delete = False
    readonly_fields = ("inject", "due_at", "status", "fired_at", "result", "incident")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Drill)
class DrillAdmin(SimpleHistoryAdmin):
    """Read-only: drills start and end on the console (drills.services)."""

    list_display = ("__str__", "status", "speed", "started_at", "ended_at", "started_by")
    list_filter = ("status",)
    inlines = [InjectRunInline]
    readonly_fields = [f.name for f in Drill._meta.fields] + ["incidents", "releases", "alarms"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Finding)
class FindingAdmin(SimpleHistoryAdmin):
    list_display = ("category", "element", "text", "drill", "incident", "created_by", "created_at")
    list_filter = ("category", "element")
    readonly_fields = ("drill", "incident", "created_by", "created_at")

    def has_add_permission(self, request):
        return False


@admin.register(RevisionTask)
class RevisionTaskAdmin(SimpleHistoryAdmin):
    list_display = ("title", "plan", "due_on", "status", "created_by")
    list_filter = ("status",)
    readonly_fields = ("plan", "finding", "created_by", "created_at")

    def has_add_permission(self, request):
        return False
