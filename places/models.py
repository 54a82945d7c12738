"""The district's own geography: a gazetteer to find places by name, and the base map.

Both come from the district's GIS data (imported with GDAL: `manage.py import_gis`), so the
console finds addresses and draws a map on an intranet without any outside service.
"""

from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GinIndex
from django.utils.translation import gettext_lazy as _


class Place(models.Model):
    """A named place a caller may give: a road, a building, an enterprise, a village…"""

    class Kind(models.TextChoices):
        ROAD = "road", _("Road")
        BUILDING = "building", _("Building")
        ENTERPRISE = "enterprise", _("Enterprise")
        VILLAGE = "village", _("Village / community")
        LANDMARK = "landmark", _("Landmark")
        FACILITY = "facility", _("Public facility")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, db_index=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    town = models.CharField(_("town / sub-district"), max_length=100, blank=True)
    aliases = models.CharField(_("other names"), max_length=300, blank=True,
                               help_text=_("Names callers also use, separated by spaces."))
    location = models.PointField(_("location"), srid=4326,
                                 help_text=_("Where to send units: a road's middle, a building's gate."))
    source = models.CharField(_("source"), max_length=100, blank=True,
                              help_text=_("Where the record came from (survey, import file)."))

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("place")
        verbose_name_plural = _("gazetteer")
        indexes = [
            # pg_trgm: fuzzy matching of Chinese names ("新城大路" finds 新城大道).
            GinIndex(fields=["name"], opclasses=["gin_trgm_ops"], name="place_name_trgm"),
            GinIndex(fields=["aliases"], opclasses=["gin_trgm_ops"], name="place_aliases_trgm"),
        ]

    def __str__(self):
        return self.name


class BasemapFeature(models.Model):
    """One shape of the base map: the boundary, a town, the coastline, a main road, the park."""

    class Layer(models.TextChoices):
        BOUNDARY = "boundary", _("District boundary")
        TOWN = "town", _("Town / sub-district")
        WATER = "water", _("Water")
        COASTLINE = "coastline", _("Coastline")
        ROAD = "road", _("Main road")
        PARK = "park", _("Chemical industrial park")

    # Drawing order, bottom first.
    DRAW_ORDER = ["water", "boundary", "town", "park", "coastline", "road"]

    layer = models.CharField(_("layer"), max_length=16, choices=Layer.choices, db_index=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    geometry = models.GeometryField(_("geometry"), srid=4326)
    source = models.CharField(_("source"), max_length=100, blank=True)

    class Meta:
        ordering = ["layer", "name"]
        verbose_name = _("base map feature")
        verbose_name_plural = _("base map features")

    def __str__(self):
        return f"{self.get_layer_display()} {self.name}".strip()


class Structure(models.Model):
    """A built structure of the park standing at its height: a building, a tank (or a tank farm's
    bund), a pipe rack. Footprints and heights come from the district's GIS data (`import_gis
    --into structures --height-field height`), so the 3D view (三维一张图) needs no model server."""

    class Kind(models.TextChoices):
        BUILDING = "building", _("Building")
        TANK = "tank", _("Tank")
        TANK_FARM = "tank_farm", _("Tank farm bund")
        PIPE_RACK = "pipe_rack", _("Pipe rack")
        PROCESS_UNIT = "process_unit", _("Process unit")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, db_index=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    footprint = models.MultiPolygonField(_("footprint"), srid=4326)
    height_m = models.FloatField(_("height (m)"), help_text=_("Top of the structure above the ground."))
    base_m = models.FloatField(_("base (m)"), default=0,
                               help_text=_("Bottom above the ground: a pipe rack's pipes start above the road."))
    source = models.CharField(_("source"), max_length=100, blank=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("structure")
        verbose_name_plural = _("structures (3D)")
        constraints = [
            models.CheckConstraint(condition=models.Q(height_m__gt=0, height_m__lte=1000),
                                   name="structure_height_plausible"),
            models.CheckConstraint(condition=models.Q(base_m__gte=0, base_m__lt=models.F("height_m")),
                                   name="structure_base_below_top"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.name}".strip()
