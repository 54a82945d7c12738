import pytest


@pytest.mark.django_db
def test_public_warnings_are_a_map_layer_under_the_common_prefix(client, dispatcher, demo):
    client.force_login(dispatcher)
    data = client.get("/api/v1/layers/alerts/").json()
    assert data["type"] == "FeatureCollection"
    issued = [f for f in data["features"] if f["properties"]["status"] in ("issued", "updated")]
    assert issued and all(f["properties"]["status"] != "draft" for f in data["features"])
    page = client.get("/map/").content.decode()
    assert 'data-layer="alerts"' in page
