"""Admin: the park's zones and gates are reference data kept here (or imported with import_gis);
passages, appointments and alarms are operational state, written by services only: read-only."""

from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from core.admin import ReadOnlyAdminMixin
from park.models import Gate, GateAlarm, HazmatAppointment, ParkZone, Passage, VehicleAlarm


@admin.register(ParkZone)
class ParkZoneAdmin(LeafletGeoAdmin):
    list_display = ("code", "name", "kind", "enterprise", "hazmat_lot", "capacity")
    list_filter = ("kind", "hazmat_lot")
    search_fields = ("code", "name")


@admin.register(Gate)
class GateAdmin(LeafletGeoAdmin):
    list_display = ("code", "name", "kind", "zone_inside", "zone_outside")
    list_filter = ("kind",)
    search_fields = ("code", "name")


class ReadOnly(ReadOnlyAdminMixin, admin.ModelAdmin):
    pass


@admin.register(Passage)
class PassageAdmin(ReadOnly):
    list_display = ("at", "gate", "direction", "plate", "person", "vehicle_class", "device")
    list_filter = ("direction", "gate")
    search_fields = ("plate", "person")


@admin.register(HazmatAppointment)
class HazmatAppointmentAdmin(ReadOnly):
    list_display = ("plate", "destination", "gate", "window_from", "window_to", "state", "reason", "route_basis")
    list_filter = ("state",)
    search_fields = ("plate", "driver", "escort")


@admin.register(GateAlarm)
class GateAlarmAdmin(ReadOnly):
    list_display = ("raised_at", "gate", "plate", "kind", "state")
    list_filter = ("state", "kind")


@admin.register(VehicleAlarm)
class VehicleAlarmAdmin(ReadOnly):
    list_display = ("raised_at", "plate", "kind", "state", "cleared_at")
    list_filter = ("state", "kind")
