from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from roads import services
from roads.models import RoadClosure, RoadEdge


class ClosureInline(admin.TabularInline):
    model = RoadClosure
    extra = 0


@admin.register(RoadEdge)
class RoadEdgeAdmin(LeafletGeoAdmin):
    list_display = ("id", "name", "road_class", "speed_limit_kmh", "hazmat_allowed", "oneway", "length_m",
                    "source", "target")
    list_filter = ("road_class", "hazmat_allowed", "oneway", "origin")
    search_fields = ("name",)
    inlines = [ClosureInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # A moved or new line changes the junctions: pgRouting reads source/target only.
        if not change or "geometry" in form.changed_data:
            services.network_rebuild()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.network_rebuild()


@admin.register(RoadClosure)
class RoadClosureAdmin(admin.ModelAdmin):
    list_display = ("edge", "starts_at", "ends_at", "reason")
    list_filter = ("starts_at",)
    raw_id_fields = ("edge",)
