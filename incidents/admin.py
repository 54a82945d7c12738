from django.contrib import admin
from leaflet.admin import LeafletGeoAdminMixin
from simple_history.admin import SimpleHistoryAdmin

from incidents.models import Assignment, Incident, IncidentType, TimelineEntry


@admin.register(IncidentType)
class IncidentTypeAdmin(admin.ModelAdmin):
    list_display = ("code", "klass", "name_zh", "name_en", "required_capabilities")
    list_filter = ("klass",)
    search_fields = ("code", "name_zh", "name_en")


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
