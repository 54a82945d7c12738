from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from places.models import BasemapFeature, Place


@admin.register(Place)
class PlaceAdmin(LeafletGeoAdmin):
    list_display = ("name", "kind", "town", "address", "source")
    list_filter = ("kind", "town", "source")
    search_fields = ("name", "aliases", "address")


@admin.register(BasemapFeature)
class BasemapFeatureAdmin(LeafletGeoAdmin):
    list_display = ("layer", "name", "source")
    list_filter = ("layer", "source")
    search_fields = ("name",)
