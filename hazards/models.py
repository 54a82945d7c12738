from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _


class Enterprise(models.Model):
    """A hazardous-chemical enterprise, mostly in the chemical park."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    contact_name = models.CharField(_("safety contact"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    in_chemical_park = models.BooleanField(_("in the chemical park"), default=True)
    location = models.PointField(_("location"), srid=4326, geography=True)
    site = models.MultiPolygonField(_("site boundary"), srid=4326, null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")

    def __str__(self):
        return self.name
