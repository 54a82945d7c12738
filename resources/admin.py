from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin, LeafletGeoAdminMixin
from simple_history.admin import SimpleHistoryAdmin

from resources.models import Agency, Area, Depot, Resource, Responder


@admin.register(Area)
class AreaAdmin(LeafletGeoAdmin):
    list_display = ("code", "name", "name_en", "kind", "population")
    list_filter = ("kind",)
    search_fields = ("code", "name", "name_en")


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "phone")
    search_fields = ("code", "name", "name_en")


@admin.register(Depot)
class DepotAdmin(LeafletGeoAdmin):
    list_display = ("code", "name", "agency", "address")
    list_filter = ("agency",)
    search_fields = ("code", "name", "address")


class ResponderInline(admin.TabularInline):
    model = Responder
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Resource)
class ResourceAdmin(LeafletGeoAdminMixin, SimpleHistoryAdmin):
    list_display = ("code", "name", "kind", "status", "status_since", "agency", "home_depot", "capacity")
    list_filter = ("kind", "status", "agency", "home_depot")
    search_fields = ("code", "name", "capabilities")
    # Operational state changes only through dispatch and the responders' steps
    # (incidents.services), which keep status_since, the timeline, the event and the
    # one-active-assignment rule; the admin shows it and keeps the register.
    readonly_fields = ("status", "status_since")
    inlines = [ResponderInline]
    fieldsets = (
        (None, {"fields": ("code", "name", "kind", "capabilities", "agency", "home_depot", "phone")}),
        (_("Where and how"), {"fields": ("location", "status", "status_since")}),
        (_("Capacity and stock"), {"fields": ("capacity", "occupancy", "quantity", "unit_of_measure")}),
    )


@admin.register(Responder)
class ResponderAdmin(admin.ModelAdmin):
    list_display = ("user", "agency", "resource", "phone")
    list_filter = ("agency",)
    search_fields = ("user__username", "user__first_name", "user__last_name", "phone", "resource__name")
    autocomplete_fields = ("user", "resource")
