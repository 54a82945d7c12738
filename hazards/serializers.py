from django.contrib.gis.geos import GEOSException, GEOSGeometry
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import StrictSerializer
from hazards.models import Chemical, Release, RiskSource

POINT_SCHEMA = {
    "type": "object", "description": "GeoJSON Point, [longitude, latitude] in WGS 84.",
    "properties": {"type": {"type": "string", "enum": ["Point"]},
                   "coordinates": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2}},
    "required": ["type", "coordinates"],
}
_TEXT = {"type": "string"}
_NUMBER = {"type": "number"}
ENTERPRISE_SCHEMA = {"type": "object", "properties": {"id": {"type": "integer"}, "code": _TEXT, "name": _TEXT,
                                                      "name_en": _TEXT}}
STORED_CHEMICALS_SCHEMA = {"type": "array", "items": {"type": "object", "properties": {
    "name": _TEXT, "name_en": _TEXT, "cas": _TEXT, "quantity_t": _NUMBER,
    "critical_quantity_t": {"type": "number", "nullable": True}, "beta": {"type": "number", "nullable": True}}}}
RELEASE_CHEMICAL_SCHEMA = {"type": "object", "properties": {"name": _TEXT, "name_en": _TEXT, "cas": _TEXT,
                                                            "dense_gas": {"type": "boolean"}}}
ZONES_SCHEMA = {"type": "array", "items": {"type": "object", "properties": {
    "id": {"type": "integer"}, "level": _TEXT, "threshold_ppm": _NUMBER, "distance_m": _NUMBER,
    "geometry": {"type": "object", "description": "GeoJSON Polygon"},
    "targets": {"type": "array", "items": {"type": "object"}}, "people": {"type": "integer"},
    "people_inside": {"type": "integer", "nullable": True,
                      "description": "People inside the zone now, counted at the park's gates (null: no park data)"},
    "staff_inside": {"type": "array", "items": {"type": "object"},
                     "description": "Per enterprise: {enterprise, name, people} inside the zone now"}}}}


def point_json(geom) -> dict | None:
    if geom is None:
        return None
    return {"type": "Point", "coordinates": [round(geom.x, 7), round(geom.y, 7)]}


class ChemicalSerializer(serializers.ModelSerializer):
    class Meta:
        model = Chemical
        fields = ["id", "name", "name_en", "cas", "un_number", "molecular_weight", "aegl1", "aegl2", "aegl3",
                  "erpg1", "erpg2", "erpg3", "critical_quantity_t", "hazard_class", "beta", "dense_gas", "source"]


class RiskSourceSerializer(serializers.ModelSerializer):
    enterprise = serializers.SerializerMethodField()
    location = serializers.SerializerMethodField()
    chemicals = serializers.SerializerMethodField()
    grade_label = serializers.CharField(source="get_grade_display", read_only=True, allow_null=True)

    class Meta:
        model = RiskSource
        fields = ["id", "code", "name", "name_en", "installation", "enterprise", "location", "chemicals",
                  "people_within_500m", "sum_q_ratio", "alpha", "r_value", "grade", "grade_label", "is_major"]

    @extend_schema_field(ENTERPRISE_SCHEMA)
    def get_enterprise(self, obj):
        e = obj.enterprise
        return {"id": e.pk, "code": e.code, "name": e.name, "name_en": e.name_en}

    @extend_schema_field({**POINT_SCHEMA, "nullable": True})
    def get_location(self, obj):
        return point_json(obj.location)

    @extend_schema_field(STORED_CHEMICALS_SCHEMA)
    def get_chemicals(self, obj):
        return [{"name": s.chemical.name, "name_en": s.chemical.name_en, "cas": s.chemical.cas,
                 "quantity_t": s.quantity_t, "critical_quantity_t": s.chemical.critical_quantity_t,
                 "beta": s.chemical.beta} for s in obj.stored.all()]


@extend_schema_field(POINT_SCHEMA)
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


_MAX_ID = 2**63 - 1


class ReleaseInputSerializer(StrictSerializer):
    # Bounds keep the plume arithmetic finite; the service checks the physics (calm wind, district).
    location = PointField(required=False)
    chemical = serializers.CharField(max_length=20)
    rate_kg_s = serializers.FloatField(required=False, allow_null=True, max_value=1e6)
    amount_kg = serializers.FloatField(required=False, allow_null=True, max_value=1e9)
    duration_s = serializers.FloatField(required=False, allow_null=True, max_value=1e7)
    # Both omitted: the latest wind of the park's weather mast nearest the release (issue 27).
    wind_speed_ms = serializers.FloatField(required=False, allow_null=True, max_value=100)
    wind_from_deg = serializers.FloatField(required=False, allow_null=True, min_value=-1e6, max_value=1e6)
    stability = serializers.CharField(required=False, allow_blank=True, max_length=1)
    daytime = serializers.BooleanField(required=False, allow_null=True, default=None)
    insolation = serializers.CharField(required=False, allow_blank=True, max_length=10)
    cloud_okta = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=8)
    terrain = serializers.ChoiceField(choices=["rural", "urban"], required=False, default="rural")
    risk_source = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=_MAX_ID)
    exercise = serializers.BooleanField(required=False, default=False,
                                        help_text=_("Modelled for a drill (演练); an exercise incident's release "
                                                    "is one anyway."))


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


WIND_SOURCE_SCHEMA = {
    "type": "object", "required": ["kind"],
    "description": "Where the wind came from: typed by the user, or a weather mast's latest readings.",
    "properties": {"kind": {"type": "string", "enum": ["typed", "mast"]}, "mast": {"type": "string"},
                   "name": {"type": "string"}, "at": {"type": "string", "format": "date-time"},
                   "age_s": {"type": "integer"}},
}


class ReleaseSerializer(serializers.ModelSerializer):
    chemical = serializers.SerializerMethodField()
    location = serializers.SerializerMethodField()
    zones = serializers.SerializerMethodField()
    shelters = serializers.SerializerMethodField()
    limits = serializers.SerializerMethodField()
    wind_source = serializers.SerializerMethodField()

    class Meta:
        model = Release
        fields = ["id", "chemical", "location", "risk_source", "rate_kg_s", "duration_s",
                  "wind_speed_ms", "wind_from_deg", "stability", "terrain", "zones", "shelters", "warnings",
                  "limits", "created_at", "exercise", "wind_source"]

    @extend_schema_field(WIND_SOURCE_SCHEMA)
    def get_wind_source(self, obj):
        # Releases modelled before issue 27 kept no source: their wind was typed.
        return (obj.weather or {}).get("wind_source") or {"kind": "typed"}

    @extend_schema_field(RELEASE_CHEMICAL_SCHEMA)
    def get_chemical(self, obj):
        c = obj.chemical
        return {"name": c.name, "name_en": c.name_en, "cas": c.cas, "dense_gas": c.dense_gas}

    @extend_schema_field(POINT_SCHEMA)
    def get_location(self, obj):
        return point_json(obj.location)

    @extend_schema_field(ZONES_SCHEMA)
    def get_zones(self, obj):
        exposure = {z["id"]: z for z in obj.result.get("zones", [])}
        return [{"id": z.pk, "level": z.level, "threshold_ppm": z.threshold_ppm,
                 "distance_m": round(z.distance_m, 1),
                 "geometry": {"type": "Polygon", "coordinates": [list(map(list, z.boundary.exterior_ring.coords))]},
                 "targets": exposure.get(z.pk, {}).get("targets", []),
                 "people": exposure.get(z.pk, {}).get("people", 0),
                 "people_inside": exposure.get(z.pk, {}).get("people_inside"),
                 "staff_inside": exposure.get(z.pk, {}).get("staff_inside", [])}
                for z in obj.zones.all()]

    @extend_schema_field({"type": "array", "items": {"type": "object"}})
    def get_shelters(self, obj):
        return obj.result.get("shelters", [])

    def get_limits(self, obj) -> list[str]:
        return [str(LIMIT_TEXT[key]) for key in obj.warnings if key in LIMIT_TEXT]
