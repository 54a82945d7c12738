from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from hazards.models import Enterprise


@admin.register(Enterprise)
class EnterpriseAdmin(LeafletGeoAdmin):
    list_display = ("code", "name", "in_chemical_park", "contact_name", "contact_phone")
    list_filter = ("in_chemical_park",)
    search_fields = ("code", "name", "name_en", "credit_code", "address")
