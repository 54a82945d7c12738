"""The park's structures at their heights (issue 27): imported from the district's GIS data with
`import_gis --into structures --height-field height`, served as the `structures` layer that the 3D
view extrudes, and shipped by the demo park."""

import io
import json
import subprocess

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from core import roles
from places import demo as places_demo
from places.models import Structure


def _square(lon, lat, d=0.0002):
    return [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]]


def _write(path, features):
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": props, "geometry": geometry} for props, geometry in features]}),
        encoding="utf-8")
    return path


def test_import_reads_heights_and_skips_what_it_cannot_trust(db, tmp_path):
    source = _write(tmp_path / "tanks.geojson", [
        ({"name": "T-1", "height": 18.5}, {"type": "Polygon", "coordinates": _square(113.66, 22.65)}),
        ({"name": "T-2", "height": "12"}, {"type": "Polygon", "coordinates": _square(113.661, 22.65)}),
        ({"name": "no height", "height": None}, {"type": "Polygon", "coordinates": _square(113.662, 22.65)}),
        ({"name": "negative", "height": -3}, {"type": "Polygon", "coordinates": _square(113.663, 22.65)}),
        ({"name": "absurd", "height": 5000}, {"type": "Polygon", "coordinates": _square(113.664, 22.65)}),
        ({"name": "a point", "height": 10}, {"type": "Point", "coordinates": [113.665, 22.65]}),
    ])
    out = io.StringIO()
    call_command("import_gis", str(source), "--into", "structures", "--kind", "tank", stdout=out)
    assert "Imported 2 structure(s); skipped 4" in out.getvalue()
    assert "#3: height ''" in out.getvalue() and "#6: no polygon" in out.getvalue()
    tanks = {s.name: s for s in Structure.objects.all()}
    assert set(tanks) == {"T-1", "T-2"}
    assert tanks["T-1"].height_m == 18.5 and tanks["T-1"].base_m == 0 and tanks["T-1"].kind == "tank"
    assert tanks["T-1"].footprint.geom_type == "MultiPolygon"

    # A pipe rack in a shapefile, in Web Mercator, with its base above the road; --replace.
    racks = _write(tmp_path / "racks.geojson", [
        ({"NAME": "管廊", "H": 9, "BASE": 5}, {"type": "Polygon", "coordinates": _square(113.66, 22.64)}),
        ({"NAME": "bad base", "H": 9, "BASE": 9}, {"type": "Polygon", "coordinates": _square(113.67, 22.64)}),
    ])
    shp = tmp_path / "racks.shp"
    subprocess.run(["ogr2ogr", "-f", "ESRI Shapefile", "-t_srs", "EPSG:3857", "-lco", "ENCODING=UTF-8",
                    str(shp), str(racks)], check=True)
    for _ in range(2):
        call_command("import_gis", str(shp), "--into", "structures", "--kind", "pipe_rack", "--name-field", "NAME",
                     "--height-field", "H", "--base-field", "BASE", "--replace", stdout=io.StringIO())
    rack = Structure.objects.get(kind="pipe_rack")
    assert (rack.name, rack.height_m, rack.base_m) == ("管廊", 9, 5)
    assert 113.659 < rack.footprint.centroid.x < 113.661  # reprojected to WGS 84

    with pytest.raises(CommandError, match="needs --kind"):
        call_command("import_gis", str(source), "--into", "structures")
    with pytest.raises(CommandError, match="needs --kind"):
        call_command("import_gis", str(source), "--into", "structures", "--kind", "village")
    with pytest.raises(CommandError, match="No attribute 'storeys'"):
        call_command("import_gis", str(source), "--into", "structures", "--kind", "tank", "--height-field", "storeys")


def test_layer_serves_footprints_with_heights_to_the_console_and_the_park(db, make_user):
    places_demo.load()
    total = Structure.objects.count()
    assert total >= 30 and set(Structure.objects.values_list("kind", flat=True)) == set(Structure.Kind.values)
    for role in (roles.VIEWER, roles.SAFETY_SUPERVISOR):
        client = APIClient()
        client.force_authenticate(make_user(f"u_{role}", role))
        body = client.get("/api/v1/layers/structures/").json()
        assert len(body["features"]) == total
        feature = next(f for f in body["features"] if f["properties"]["name"] == "液氨储罐 T-301")
        assert feature["geometry"]["type"] == "MultiPolygon"
        assert feature["properties"] == {"kind": "tank", "name": "液氨储罐 T-301", "height": 18.0, "base": 0.0}
        racks = client.get("/api/v1/layers/structures/", {"kind": "pipe_rack"}).json()["features"]
        assert racks and all(f["properties"]["base"] > 0 for f in racks)
        assert client.get("/api/v1/layers/structures/", {"kind": "castle"}).status_code == 400
    for role in (roles.RESPONDER, roles.ENTERPRISE_OFFICER):
        client = APIClient()
        client.force_authenticate(make_user(f"x_{role}", role))
        assert client.get("/api/v1/layers/structures/").status_code == 403
    assert APIClient().get("/api/v1/layers/structures/").status_code in (401, 403)
