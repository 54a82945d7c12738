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


@pytest.mark.django_db
def test_every_layer_answers_rfc_7946s_media_type(client, dispatcher, demo):
    """Issue 22.11: the alerts layer answered 406 to Accept: application/geo+json, which every
    other layer serves; a client asking for geo+json gets it from all of them, and bad input stays
    a plain JSON 400."""
    from core import layers

    client.force_login(dispatcher)
    names = ["alerts", *layers.all_layers()]
    assert len(names) > 5
    for name in names:
        response = client.get(f"/api/v1/layers/{name}/", HTTP_ACCEPT="application/geo+json")
        assert response.status_code == 200, (name, response.status_code)
        assert response["Content-Type"].startswith("application/geo+json"), name
        assert response.json()["type"] == "FeatureCollection"
    bad = client.get("/api/v1/layers/alerts/?bbox=1,2,x,4", HTTP_ACCEPT="application/geo+json")
    assert bad.status_code == 400 and "bbox" in bad.json()
    # `?format=` is no parameter of a layer: an unknown one changes nothing (DRF answered 404).
    odd = client.get("/api/v1/layers/alerts/?format=AAA")
    assert odd.status_code == 200 and odd.json()["type"] == "FeatureCollection"
