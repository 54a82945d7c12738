from django.contrib.gis.geos import GEOSException, GEOSGeometry
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from hazards.models import Chemical, Release, RiskSource


def point_json(geom) -> dict | None:
    if geom is None:
        return None
    return {"type": "Point", "coordinates": [round(geom.x, 7), round(geom.y, 7)]}


class ChemicalSerializer(serializers.ModelSerializer):
    class Meta:
        model = Chemical
        fields = ["id", "name", "name_en", "cas", "un_number", "molecular_weight", "aegl1", "aegl2", "aegl3",
                  "erpg1", "erpg2", "erpg3", "critical_quantity_t", "beta", "dense_gas", "source"]


class RiskSourceSerializer(serializers.ModelSerializer):
    enterprise = serializers.SerializerMethodField()
    location = serializers.SerializerMethodField()
    chemicals = serializers.SerializerMethodField()
    grade_label = serializers.CharField(source="get_grade_display", read_only=True)

    class Meta:
        model = RiskSource
        fields = ["id", "code", "name", "name_en", "installation", "enterprise", "location", "chemicals",
                  "people_within_500m", "sum_q_ratio", "alpha", "r_value", "grade", "grade_label", "is_major"]

    def get_enterprise(self, obj):
        e = obj.enterprise
        return {"id": e.pk, "code": e.code, "name": e.name, "name_en": e.name_en}

    def get_location(self, obj):
        return point_json(obj.location)

    def get_chemicals(self, obj):
        return [{"name": s.chemical.name, "name_en": s.chemical.name_en, "cas": s.chemical.cas,
                 "quantity_t": s.quantity_t, "critical_quantity_t": s.chemical.critical_quantity_t,
                 "beta": s.chemical.beta} for s in obj.stored.all()]


class PointField(serializers.Field):
    """A GeoJSON Point [lon, lat] in, a GEOS point out."""

    default_error_messages = {"invalid": _("Give a GeoJSON Point with coordinates [longitude, latitude].")}

    def to_internal_value(self, data):
        try:
            if data.get("type") != "Point":
                raise ValueError
            lon, lat = (float(v) for v in data["coordinates"])
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise ValueError
            return GEOSGeometry(f"SRID=4326;POINT({lon} {lat})")
        except (AttributeError, KeyError, TypeError, ValueError, GEOSException):
            self.fail("invalid")

    def to_representation(self, value):
        return point_json(value)


class ReleaseInputSerializer(serializers.Serializer):
    location = PointField(required=False)
    chemical = serializers.CharField()
    rate_kg_s = serializers.FloatField(required=False)
    amount_kg = serializers.FloatField(required=False)
    duration_s = serializers.FloatField(required=False)
    wind_speed_ms = serializers.FloatField()
    wind_from_deg = serializers.FloatField()
    stability = serializers.CharField(required=False, allow_blank=True)
    daytime = serializers.BooleanField(required=False, allow_null=True, default=None)
    insolation = serializers.CharField(required=False, allow_blank=True)
    cloud_okta = serializers.IntegerField(required=False, allow_null=True)
    terrain = serializers.CharField(required=False, default="rural")
    incident = serializers.IntegerField(required=False, allow_null=True)
    risk_source = serializers.IntegerField(required=False, allow_null=True)


LIMIT_TEXT = {
    "model": _("Gaussian plume of a continuous ground-level release: steady wind, flat terrain, a gas as "
               "heavy as air. A first estimate for protective action, not a measurement."),
    "dense_gas": _("This chemical is a dense gas: it slumps and spreads along the ground, which this model "
                   "does not describe. Treat the zones as a first estimate."),
    "under_100m": _("A zone ends under 100 m from the source, where the dispersion coefficients are not fitted: "
                    "treat the near field as threatened."),
    "beyond_10km": _("A zone reaches beyond 10 km, where the dispersion coefficients are not fitted and wind "
                     "rarely stays steady: the far edge is uncertain."),
    "capped": _("A zone was cut at 100 km."),
    "short_release": _("The release is shorter than the plume's travel time to the far edge: the far zones "
                       "overstate a short puff."),
}


class ReleaseSerializer(serializers.ModelSerializer):
    chemical = serializers.SerializerMethodField()
    location = serializers.SerializerMethodField()
    zones = serializers.SerializerMethodField()
    shelters = serializers.SerializerMethodField()
    limits = serializers.SerializerMethodField()

    class Meta:
        model = Release
        fields = ["id", "chemical", "location", "incident", "risk_source", "rate_kg_s", "duration_s",
                  "wind_speed_ms", "wind_from_deg", "stability", "terrain", "zones", "shelters", "warnings",
                  "limits", "created_at"]

    def get_chemical(self, obj):
        c = obj.chemical
        return {"name": c.name, "name_en": c.name_en, "cas": c.cas, "dense_gas": c.dense_gas}

    def get_location(self, obj):
        return point_json(obj.location)

    def get_zones(self, obj):
        exposure = {z["id"]: z for z in obj.result.get("zones", [])}
        return [{"id": z.pk, "level": z.level, "threshold_ppm": z.threshold_ppm,
                 "distance_m": round(z.distance_m, 1),
                 "geometry": {"type": "Polygon", "coordinates": [list(map(list, z.boundary.exterior_ring.coords))]},
                 "targets": exposure.get(z.pk, {}).get("targets", []),
                 "people": exposure.get(z.pk, {}).get("people", 0)}
                for z in obj.zones.all()]

    def get_shelters(self, obj):
        return obj.result.get("shelters", [])

    def get_limits(self, obj):
        return [str(LIMIT_TEXT[key]) for key in obj.warnings if key in LIMIT_TEXT]
