"""Location you can trust: the district's own gazetteer (fuzzy Chinese search with pg_trgm),
its boundary (a point outside is refused unless confirmed as mutual aid), its base map served
by the app, and the GDAL import of a real district's data."""

import json
import subprocess

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from core.errors import DomainError
from incidents import services
from incidents.models import Incident, IncidentType
from places import demo as places_demo
from places import selectors
from places.models import BasemapFeature, Place
from resources.models import Area

BEIJING = (116.397, 39.909)


@pytest.fixture
def district(db):
    places_demo.load()
    IncidentType.objects.create(code="fire", klass="accident", name_zh="火灾", name_en="Fire",
                                required_capabilities=["fire_suppression"])


@pytest.fixture
def api(duty_officer):
    client = APIClient()
    client.force_authenticate(duty_officer)
    return client


def _names(rows):
    return [r["name"] for r in rows]


def test_address_search_is_fuzzy_on_chinese_names(district):
    assert _names(selectors.places_search(query="新城大路"))[0] == "新城大道"  # one character wrong
    assert _names(selectors.places_search(query="新城大道88号"))[0] == "新城大道"  # a house number
    assert set(_names(selectors.places_search(query="榄山村"))[:2]) == {"上榄山村", "下榄山村"}
    assert _names(selectors.places_search(query="区府"))[0] == "区政府大楼"  # another name callers use
    assert selectors.places_search(query="   ") == []
    assert selectors.places_search(query="%_%") == []  # LIKE wildcards are text, not patterns


def test_address_search_api_for_the_console_only(api, district, make_user):
    body = api.get("/api/v1/places/", {"q": "渔洲新"}).json()
    assert body[0]["name"] == "渔洲新村" and body[0]["kind"] == "village"
    assert body[0]["location"]["type"] == "Point" and len(body[0]["location"]["coordinates"]) == 2
    assert api.get("/api/v1/places/", {"q": "x", "limit": "many"}).status_code == 400
    outsider = APIClient()
    outsider.force_authenticate(make_user("nobody"))
    assert outsider.get("/api/v1/places/", {"q": "新城"}).status_code == 403


def test_a_point_outside_the_district_is_refused_with_a_message(district, duty_officer):
    with pytest.raises(DomainError) as exc:
        services.incident_log(actor=duty_officer, type_code="fire", severity="IV", lon=BEIJING[0], lat=BEIJING[1])
    assert "outside the district" in exc.value.message and "km" in exc.value.message
    assert not Incident.objects.exists()


def test_outside_the_district_is_accepted_only_when_confirmed_as_mutual_aid(district, duty_officer):
    incident = services.incident_log(actor=duty_officer, type_code="fire", severity="IV", lon=113.80, lat=22.75,
                                     outside_district=True)
    assert incident.outside_district
    assert incident.timeline.filter(kind="outside_district").exists()
    inside = services.incident_log(actor=duty_officer, type_code="fire", severity="IV", lon=113.60, lat=22.75,
                                   outside_district=True)
    assert not inside.outside_district  # the flag records a fact, not the tick


def test_api_refuses_beijing_and_accepts_a_confirmed_mutual_aid_call(api, district):
    body = {"type": "fire", "severity": "IV", "location": {"type": "Point", "coordinates": list(BEIJING)}}
    refused = api.post("/api/v1/incidents/", body, format="json")
    assert refused.status_code == 400 and "outside the district" in json.dumps(refused.json())
    accepted = api.post("/api/v1/incidents/", {**body, "outside_district": True}, format="json")
    assert accepted.status_code == 201 and accepted.json()["outside_district"] is True


def test_without_a_base_map_the_areas_are_the_district(db, duty_officer):
    IncidentType.objects.create(code="fire", klass="accident", name_zh="火灾", name_en="Fire")
    box = Polygon(((113.5, 22.7), (113.7, 22.7), (113.7, 22.8), (113.5, 22.8), (113.5, 22.7)), srid=4326)
    Area.objects.create(code="A1", name="甲镇", kind="town", boundary=MultiPolygon(box, srid=4326))
    with pytest.raises(DomainError):
        services.incident_log(actor=duty_officer, type_code="fire", severity="IV", lon=BEIJING[0], lat=BEIJING[1])
    assert services.incident_log(actor=duty_officer, type_code="fire", severity="IV", lon=113.6, lat=22.75).area


def test_the_base_map_is_served_by_the_app_bottom_layer_first(api, district):
    response = api.get("/api/v1/basemap/")
    assert response.status_code == 200 and response["Content-Type"] == "application/geo+json"
    features = response.json()["features"]
    layers = [f["properties"]["layer"] for f in features]
    assert {"boundary", "town", "coastline", "road", "park", "water"} <= set(layers)
    order = BasemapFeature.DRAW_ORDER
    assert [order.index(x) for x in layers] == sorted(order.index(x) for x in layers)
    roads = api.get("/api/v1/basemap/", {"layers": "road", "bbox": "113.59,22.74,113.61,22.76"}).json()["features"]
    assert roads and all(f["properties"]["layer"] == "road" for f in roads)
    assert "明珠路" in {f["properties"]["name"] for f in roads}
    assert api.get("/api/v1/basemap/", {"bbox": "1,2,3"}).status_code == 400
    assert api.get("/api/v1/basemap/", {"layers": "tiles"}).status_code == 400
    assert APIClient().get("/api/v1/basemap/").status_code in (401, 403)


def test_gdal_imports_geojson_in_another_crs_and_a_shapefile(db, tmp_path):
    # A village in Web Mercator (EPSG:3857), as survey offices often deliver.
    x, y = 12643000.0, 2600000.0  # ≈ 113.574 E, 22.738 N
    geojson = tmp_path / "villages.geojson"
    geojson.write_text(json.dumps({
        "type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "EPSG:3857"}},
        "features": [{"type": "Feature", "properties": {"NAME": "新围村", "TOWN": "新城街道"},
                      "geometry": {"type": "Point", "coordinates": [x, y]}}]}), encoding="utf-8")
    call_command("import_gis", str(geojson), "--into", "gazetteer", "--kind", "village", "--name-field", "NAME",
                 "--town-field", "TOWN")
    place = Place.objects.get(name="新围村")
    assert place.town == "新城街道"
    assert 113.56 < place.location.x < 113.59 and 22.72 < place.location.y < 22.75

    roads = tmp_path / "roads.geojson"
    roads.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "滨海路"},
         "geometry": {"type": "LineString", "coordinates": [[113.5, 22.7], [113.6, 22.7]]}}]}), encoding="utf-8")
    shp = tmp_path / "roads.shp"
    subprocess.run(["ogr2ogr", "-f", "ESRI Shapefile", "-lco", "ENCODING=UTF-8", str(shp), str(roads)], check=True)
    call_command("import_gis", str(shp), "--into", "basemap", "--layer", "road")
    call_command("import_gis", str(shp), "--into", "basemap", "--layer", "road", "--replace")
    assert list(BasemapFeature.objects.filter(layer="road").values_list("name", flat=True)) == ["滨海路"]

    with pytest.raises(CommandError, match="needs --layer"):
        call_command("import_gis", str(shp), "--into", "basemap")
    with pytest.raises(CommandError, match="cannot read"):
        call_command("import_gis", str(tmp_path / "missing.shp"), "--into", "basemap", "--layer", "road")
