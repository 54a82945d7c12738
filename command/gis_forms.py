"""Bad geometry typed into a form is a form error, never a 500.

Django's GIS forms let two GDAL errors escape (Django 5.2): GeoJSON with non-numeric
coordinates (`{"type": "Point", "coordinates": ["a", "b"]}`) raises GDALException while the
map widget re-renders the bad value, and an EWKT with an SRID PROJ does not know
(`SRID=999999;POINT(113 22)`) raises GDALException from the transform in
GeometryField.clean, which only expects GEOSException. Both reach every admin with a map
(resources, hazards, places, monitoring, safety). `install()` (called from the shell's
AppConfig.ready) wraps both, so the field answers "invalid geometry" / "could not transform"
like for any other bad input. tests/plans/test_admin_no_500.py walks every admin form with them.
"""

from django.contrib.gis.forms import fields, widgets
from django.contrib.gis.gdal import GDALException
from django.core.exceptions import ValidationError


def install() -> None:
    if getattr(fields.GeometryField, "_command_safe", False):
        return
    original_clean = fields.GeometryField.clean
    original_deserialize = widgets.BaseGeometryWidget.deserialize

    def clean(self, value):
        try:
            return original_clean(self, value)
        except GDALException:
            raise ValidationError(self.error_messages["transform_error"], code="transform_error") from None

    def deserialize(self, value):
        try:
            return original_deserialize(self, value)
        except GDALException:
            return None

    fields.GeometryField.clean = clean
    fields.GeometryField._command_safe = True
    widgets.BaseGeometryWidget.deserialize = deserialize
