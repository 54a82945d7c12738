from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from hazards import services
from hazards.models import (
    Chemical,
    Enterprise,
    HazardZone,
    Release,
    RiskSource,
    SensitiveTarget,
    StoredChemical,
)


@admin.register(Enterprise)
class EnterpriseAdmin(LeafletGeoAdmin):
    list_display = ("code", "name", "in_chemical_park", "contact_name", "contact_phone")
    list_filter = ("in_chemical_park",)
    search_fields = ("code", "name", "name_en", "credit_code", "address")


@admin.register(Chemical)
class ChemicalAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "cas", "un_number", "aegl1", "aegl2", "aegl3", "erpg1", "erpg2", "erpg3",
                    "critical_quantity_t", "hazard_class", "beta", "dense_gas")
    list_filter = ("dense_gas", "hazard_class")
    search_fields = ("name", "name_en", "cas", "un_number")


class StoredChemicalInline(admin.TabularInline):
    model = StoredChemical
    extra = 1
    autocomplete_fields = ("chemical",)


@admin.register(RiskSource)
class RiskSourceAdmin(LeafletGeoAdmin):
    list_display = ("code", "name", "enterprise", "grade", "r_value", "sum_q_ratio", "alpha", "is_major",
                    "people_within_500m")
    list_filter = ("grade", "is_major", "enterprise")
    search_fields = ("code", "name", "name_en", "installation")
    readonly_fields = ("sum_q_ratio", "alpha", "r_value", "is_major", "grade")
    inlines = [StoredChemicalInline]

    def save_related(self, request, form, formsets, change):
        # The grading depends on the inline quantities, which are saved only here.
        super().save_related(request, form, formsets, change)
        services.risk_source_regrade(risk_source=form.instance)


@admin.register(SensitiveTarget)
class SensitiveTargetAdmin(LeafletGeoAdmin):
    list_display = ("code", "name", "kind", "population")
    list_filter = ("kind",)
    search_fields = ("code", "name", "name_en")


@admin.register(HazardZone)
class HazardZoneAdmin(LeafletGeoAdmin):
    list_display = ("code", "name", "kind", "level")
    list_filter = ("kind", "level")
    search_fields = ("code", "name", "name_en")


@admin.register(Release)
class ReleaseAdmin(LeafletGeoAdmin):
    """Releases are modelled from the map; the admin keeps them for the record, read-only."""

    list_display = ("created_at", "chemical", "rate_kg_s", "wind_speed_ms", "wind_from_deg", "stability",
                    "risk_source", "created_by")
    list_filter = ("stability", "chemical")
    readonly_fields = [f.name for f in Release._meta.fields]

    def has_add_permission(self, request):
        return False
