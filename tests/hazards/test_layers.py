"""GET /api/v1/layers/<name>/: RFC 7946 FeatureCollections built in SQL, with a bbox filter."""

import json

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from hazards.models import Release, RiskSource, SensitiveTarget
from resources.models import Area, Resource
from tests.hazards.conftest import RELEASE

LAYERS = ["incidents", "resources", "risk-sources", "targets", "shelters", "hazard-zones", "areas", "threat-zones"]
MODELS = {"risk-sources": RiskSource, "targets": SensitiveTarget, "areas": Area}


def signed_area(ring):
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False)) / 2


def check_rfc7946(collection):
    """The parts of RFC 7946 a client trips over: shape, lon/lat order, closed CCW exteriors."""
    assert set(collection) == {"type", "features"} and collection["type"] == "FeatureCollection"
    for feature in collection["features"]:
        assert feature["type"] == "Feature" and isinstance(feature["id"], int)
        assert isinstance(feature["properties"], dict)
        geometry = feature["geometry"]
        assert "crs" not in geometry
        if geometry["type"] == "Point":
            polygons = []
            points = [geometry["coordinates"]]
        elif geometry["type"] == "Polygon":
            polygons = [geometry["coordinates"]]
            points = [p for ring in polygons[0] for p in ring]
        else:
            assert geometry["type"] == "MultiPolygon"
            polygons = geometry["coordinates"]
            points = [p for poly in polygons for ring in poly for p in ring]
        for lon, lat in points:  # the demo district lies at 113.4–113.8 E, 22.6–22.9 N
            assert 113 < lon < 114 and 22 < lat < 23
        for polygon in polygons:
            exterior = polygon[0]
            assert exterior[0] == exterior[-1] and len(exterior) >= 4
            assert signed_area(exterior) > 0  # right-hand rule: exterior counter-clockwise
            for hole in polygon[1:]:
                assert signed_area(hole) < 0


@pytest.fixture
def with_release(demo, commander, as_user):
    body = {**RELEASE, "location": {"type": "Point", "coordinates": [113.6612, 22.6528]}, "wind_from_deg": 135}
    response = as_user(commander).post("/api/v1/releases/", body, format="json")
    assert response.status_code == 201
    return response.json()


def test_every_layer_is_valid_geojson_with_object_ids(with_release, viewer, as_user):
    for name in LAYERS:  # one loop, not parametrised: the demo district is slow to load
        response = as_user(viewer).get(f"/api/v1/layers/{name}/")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/geo+json"
        collection = json.loads(response.content)
        check_rfc7946(collection)
        if name != "incidents":
            assert collection["features"], name
        if name in MODELS:
            assert {f["id"] for f in collection["features"]} == set(MODELS[name].objects.values_list("pk", flat=True))


def test_layer_contents(with_release, viewer, as_user):
    api = as_user(viewer)
    resources = api.get("/api/v1/layers/resources/").json()["features"]
    shelters = api.get("/api/v1/layers/shelters/").json()["features"]
    assert len(resources) == Resource.objects.exclude(kind="shelter").count()
    assert {f["id"] for f in shelters} == set(Resource.objects.filter(kind="shelter").values_list("pk", flat=True))
    assert {"capacity", "occupancy", "free"} <= shelters[0]["properties"].keys()
    sources = {f["properties"]["code"]: f for f in api.get("/api/v1/layers/risk-sources/").json()["features"]}
    assert sources["RS01"]["geometry"]["type"] == "Polygon"  # a footprint
    assert sources["RS02"]["geometry"]["type"] == "Point"  # no footprint: the point
    assert sources["RS01"]["properties"]["grade"] == 1
    grade4 = api.get("/api/v1/layers/risk-sources/?grade=4").json()["features"]
    assert {f["properties"]["code"] for f in grade4} == {"RS05", "RS07"}
    zones = api.get(f"/api/v1/layers/threat-zones/?release={with_release['id']}").json()["features"]
    assert [f["properties"]["level"] for f in zones] == ["AEGL-3", "AEGL-2", "AEGL-1"]
    assert [f["id"] for f in zones] == [z["id"] for z in with_release["zones"]]


def test_bbox_keeps_only_what_intersects(with_release, viewer, as_user):
    api = as_user(viewer)
    school = SensitiveTarget.objects.get(code="ST01")  # 113.640, 22.672
    bbox = "113.635,22.668,113.645,22.676"
    features = api.get(f"/api/v1/layers/targets/?bbox={bbox}").json()["features"]
    assert [f["id"] for f in features] == [school.pk]
    # Polygons count when any part is inside: a box in the middle of area T06 finds only T06.
    areas = api.get("/api/v1/layers/areas/?bbox=113.70,22.64,113.71,22.65").json()["features"]
    assert [f["properties"]["code"] for f in areas] == ["T06"]
    assert api.get("/api/v1/layers/targets/?bbox=100,10,100.1,10.1").json() == {"type": "FeatureCollection",
                                                                              "features": []}


def test_incidents_layer_shows_open_incidents_unless_asked(demo, commander, viewer, as_user):
    from incidents.models import Incident, IncidentType

    kind = IncidentType.objects.get(code="fire")
    common = {"type": kind, "location": Point(113.6, 22.7, srid=4326), "created_by": commander}
    open_one = Incident.objects.create(number="2026-000101", title="<b>仓库火灾</b>", severity="I", **common)
    closed = Incident.objects.create(number="2026-000102", title="已结束", status="closed",
                                     closed_at=timezone.now(), **common)
    api = as_user(viewer)
    features = api.get("/api/v1/layers/incidents/").json()["features"]
    assert [f["id"] for f in features] == [open_one.pk]
    props = features[0]["properties"]
    assert props["severity"] == "I" and props["url"] == f"/incidents/{open_one.pk}/"
    assert props["title"] == "<b>仓库火灾</b>"  # data, returned as data: the map sets it with textContent
    everything = api.get("/api/v1/layers/incidents/?status=all").json()["features"]
    assert {f["id"] for f in everything} == {open_one.pk, closed.pk}


def test_old_threat_zones_leave_the_default_layer(with_release, viewer, as_user):
    Release.objects.update(created_at=timezone.now() - timezone.timedelta(days=2))
    api = as_user(viewer)
    assert api.get("/api/v1/layers/threat-zones/").json()["features"] == []
    assert len(api.get("/api/v1/layers/threat-zones/?hours=72").json()["features"]) == 3
    assert len(api.get(f"/api/v1/layers/threat-zones/?release={with_release['id']}").json()["features"]) == 3


@pytest.mark.parametrize(("query", "status"), [
    ("bbox=1,2,3", 400), ("bbox=a,b,c,d", 400), ("bbox=113.7,22.6,113.5,22.8", 400), ("bbox=0,-95,1,1", 400),
])
def test_bad_bbox(db, viewer, as_user, query, status):
    response = as_user(viewer).get(f"/api/v1/layers/targets/?{query}")
    assert response.status_code == status
    assert "bbox" in response.json()["detail"]


def test_content_negotiation(db, viewer, as_user):
    for accept in ("application/geo+json", "application/json", "*/*"):
        response = as_user(viewer).get("/api/v1/layers/areas/", HTTP_ACCEPT=accept)
        assert response.status_code == 200, accept
        assert response["Content-Type"] == "application/geo+json"


def test_unknown_layer_and_bad_filter(db, viewer, as_user):
    assert as_user(viewer).get("/api/v1/layers/nope/").status_code == 404
    response = as_user(viewer).get("/api/v1/layers/risk-sources/?grade=one")
    assert response.status_code == 400 and "grade" in response.json()["detail"]


def test_layers_need_a_console_role(db, outsider, make_user, as_user, client):
    from core.roles import RESPONDER

    assert as_user(outsider).get("/api/v1/layers/targets/").status_code == 403
    assert as_user(make_user("crew", RESPONDER)).get("/api/v1/layers/targets/").status_code == 403
    assert client.get("/api/v1/layers/targets/").status_code in (401, 403)
