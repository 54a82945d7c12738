"""The park's zones and gates come from GIS files (import_gis), and a release's threat zones
report the people the park counts inside them (hazards.exposure)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from park.models import Gate, ParkZone
from tests.park.conftest import api, passage

pytestmark = pytest.mark.django_db


def _write(tmp_path, name, features):
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return str(path)


def test_import_gis_brings_zones_and_gates(tmp_path, db):
    from django.contrib.gis.geos import Point

    from hazards.models import Enterprise

    Enterprise.objects.create(code="IE1", name="进口化工", location=Point(113.66, 22.65, srid=4326))
    ring = [[113.65, 22.64], [113.67, 22.64], [113.67, 22.66], [113.65, 22.66], [113.65, 22.64]]
    zones = _write(tmp_path, "zones.geojson", [
        {"type": "Feature", "properties": {"code": "Z-PUB", "name": "公共区", "kind": "public"},
         "geometry": {"type": "Polygon", "coordinates": [ring]}},
        {"type": "Feature", "properties": {"code": "Z-LOT", "name": "停车场", "kind": "parking", "capacity": "12",
                                           "hazmat": "1"},
         "geometry": {"type": "Polygon", "coordinates": [ring]}},
        {"type": "Feature", "properties": {"code": "Z-IE1", "name": "厂区", "kind": "enterprise", "enterprise": "IE1"},
         "geometry": {"type": "Polygon", "coordinates": [ring]}}])
    call_command("import_gis", zones, "--into", "park-zones")
    lot = ParkZone.objects.get(code="Z-LOT")
    assert lot.capacity == 12 and lot.hazmat_lot and ParkZone.objects.get(code="Z-IE1").enterprise.code == "IE1"
    gates = _write(tmp_path, "gates.geojson", [
        {"type": "Feature", "properties": {"code": "GX", "name": "卡口", "kind": "vehicle", "zone_inside": "Z-PUB",
                                           "zone_outside": ""},
         "geometry": {"type": "Point", "coordinates": [113.65, 22.645]}},
        {"type": "Feature", "properties": {"code": "GY", "name": "厂门", "kind": "person", "zone_inside": "Z-IE1",
                                           "zone_outside": "Z-PUB"},
         "geometry": {"type": "Point", "coordinates": [113.66, 22.649]}}])
    call_command("import_gis", gates, "--into", "gates")
    assert Gate.objects.get(code="GY").zone_outside.code == "Z-PUB" and Gate.objects.get(code="GX").zone_outside is None
    bad = _write(tmp_path, "bad.geojson", [
        {"type": "Feature", "properties": {"code": "GZ", "name": "x", "kind": "vehicle", "zone_inside": "NOPE"},
         "geometry": {"type": "Point", "coordinates": [113.65, 22.645]}}])
    with pytest.raises(CommandError, match="NOPE"):
        call_command("import_gis", bad, "--into", "gates")
    assert not Gate.objects.filter(code="GZ").exists()


def test_a_release_reports_the_people_inside_each_zone(demo, make_user):
    from core import roles
    from hazards.models import Enterprise
    from park.models import Stay

    commander = make_user("rel_cmd", roles.COMMANDER)
    e1 = Enterprise.objects.get(code="E01")
    staff = Stay.objects.filter(zone__code="SITE-E01", kind="person").count()
    assert staff > 0
    answer = api(commander).post("/api/v1/releases/", {
        "location": {"type": "Point", "coordinates": [e1.location.x, e1.location.y]}, "chemical": "7782-50-5",
        "rate_kg_s": 5, "duration_s": 600, "wind_speed_ms": 2, "wind_from_deg": 0, "stability": "D"}, format="json")
    assert answer.status_code == 201, answer.content
    zones = answer.json()["zones"]
    inner = zones[-1] if zones[-1]["distance_m"] < zones[0]["distance_m"] else zones[0]
    assert inner["people_inside"] >= staff
    assert any(row["name"] == e1.name and row["people"] >= staff for row in inner["staff_inside"])


def test_presence_counts_through_passages_reach_a_release_zone(park):
    from park import selectors

    at = timezone.now() - dt.timedelta(minutes=2)
    api(token=park.tokens["GP"]).post("/api/v1/gate-events/", [passage("GP", at=at, person="w1")], format="json")
    api(token=park.tokens["GP1"]).post("/api/v1/gate-events/", [passage("GP1", at=at + dt.timedelta(seconds=20),
                                                                         person="w1")], format="json")
    found = selectors.people_inside(park.site1.area.buffer(0.0001))
    assert found["people_inside"] == 1 and found["staff_inside"][0]["enterprise"] == park.e1.pk
