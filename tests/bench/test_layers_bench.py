"""Benchmarks for the map (run by `make bench`; figures are printed, never asserted).

1. A 10,000-feature GeoJSON layer built in SQL (command.layers) against the same layer built
   geometry by geometry through a DRF serializer, measured in the same run: the ratio is what
   to compare between machines, not the milliseconds.
2. One release's threat zones: the pure plume (three zones) and the whole service
   (validation, zones, targets and shelters inside/outside, storage, events).
"""

import json
import random
import statistics
import time

from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from command.layers import feature_collection
from hazards import plume, services
from hazards.models import Chemical, SensitiveTarget
from resources.models import Area

FEATURES = 10_000
ROUNDS = 7


class TargetFeatureSerializer(serializers.ModelSerializer):
    """The baseline: what a Python-side GeoJSON layer does, one GEOS geometry at a time."""

    type = serializers.SerializerMethodField()
    geometry = serializers.SerializerMethodField()
    properties = serializers.SerializerMethodField()

    class Meta:
        model = SensitiveTarget
        fields = ["type", "id", "geometry", "properties"]

    def get_type(self, obj):
        return "Feature"

    def get_geometry(self, obj):
        return json.loads(obj.location.geojson)

    def get_properties(self, obj):
        return {"code": obj.code, "name": obj.name, "name_en": obj.name_en, "kind": obj.kind,
                "population": obj.population}


def serializer_layer() -> bytes:
    rows = SensitiveTarget.objects.order_by("id")
    return JSONRenderer().render({"type": "FeatureCollection",
                                  "features": TargetFeatureSerializer(rows, many=True).data})


def p50(fn, rounds=ROUNDS):
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def test_layer_10k_sql_vs_drf_serializer(db):
    rng = random.Random(7)
    SensitiveTarget.objects.bulk_create([
        SensitiveTarget(code=f"B{i:05d}", name=f"目标 {i}", name_en=f"Target {i}", kind="residential",
                        population=rng.randint(10, 5000),
                        location=Point(rng.uniform(113.46, 113.72), rng.uniform(22.62, 22.88), srid=4326))
        for i in range(FEATURES)
    ], batch_size=2000)
    sql_p50, sql_body = p50(lambda: feature_collection("targets"))
    drf_p50, drf_body = p50(serializer_layer)
    assert len(json.loads(sql_body)["features"]) == len(json.loads(drf_body)["features"]) == FEATURES
    bbox_p50, bbox_body = p50(lambda: feature_collection("targets", bbox=(113.55, 22.70, 113.60, 22.75)))
    print(f"\n[bench] layer 'targets', {FEATURES} features, p50 of {ROUNDS}:"
          f"\n  SQL (ST_AsGeoJSON + json_agg): {sql_p50 * 1000:8.1f} ms  ({len(sql_body) / 1e6:.2f} MB)"
          f"\n  DRF serializer per geometry:   {drf_p50 * 1000:8.1f} ms  ({len(drf_body) / 1e6:.2f} MB)"
          f"\n  ratio DRF / SQL:               {drf_p50 / sql_p50:8.1f} x"
          f"\n  SQL with a bbox ({len(json.loads(bbox_body)['features'])} features): {bbox_p50 * 1000:.1f} ms")


def test_release_threat_zones(db, make_user):
    from core import roles

    Area.objects.create(code="A1", name="测试镇", kind="town", boundary=MultiPolygon(
        Polygon(((113.5, 22.6), (113.7, 22.6), (113.7, 22.8), (113.5, 22.8), (113.5, 22.6)), srid=4326)))
    Chemical.objects.create(name="氯", name_en="Chlorine", cas="7782-50-5", molecular_weight=70.90,
                            aegl1=0.5, aegl2=2.0, aegl3=20, dense_gas=True)
    user = make_user("bench_commander", roles.COMMANDER)

    def pure():
        return [plume.threat_zone(level=level, threshold_ppm=ppm, lon=113.6, lat=22.7, wind_from_deg=135,
                                  rate_kg_s=5, wind_speed_ms=3, stability="D", molecular_weight=70.90)
                for level, ppm in (("AEGL-3", 20), ("AEGL-2", 2.0), ("AEGL-1", 0.5))]

    def service():
        return services.release_model(user=user, chemical="7782-50-5", location=Point(113.6, 22.7, srid=4326),
                                      rate_kg_s=5, wind_speed_ms=3, wind_from_deg=135, stability="D")

    pure_p50, zones = p50(pure, rounds=21)
    service_p50, release = p50(service)
    assert len(zones) == 3 and release.zones.count() == 3
    print(f"\n[bench] one release (chlorine 5 kg/s, D, 3 m/s), p50:"
          f"\n  plume only, three zones: {pure_p50 * 1000:8.2f} ms"
          f"\n  release_model service:   {service_p50 * 1000:8.2f} ms  (zones, targets, shelters, storage, events)")
