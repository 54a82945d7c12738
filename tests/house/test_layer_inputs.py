"""Hostile query parameters on the map layers answer 400 naming the parameter, never 500
(issue 16, point 6), and every layer is served from the registry (core.layers)."""

import pytest

from core import layers

BAD = [
    ("threat-zones", "hours=99999999999999999999", "hours"),
    ("threat-zones", "hours=²", "hours"),
    ("threat-zones", "hours=0", "hours"),
    ("threat-zones", "release=²", "release"),
    ("threat-zones", "incident=١", "incident"),
    ("threat-zones", "incident=99999999999", "incident"),
    ("risk-sources", "grade=" + "9" * 20, "grade"),
    ("risk-sources", "grade=one", "grade"),
    ("risk-sources", "enterprise=%01", "enterprise"),
    ("incidents", "status=%01", "status"),
    ("incidents", "severity=%01", "severity"),
    ("resources", "status=%01", "status"),
    ("resources", "kind=%01", "kind"),
    ("targets", "kind=%01", "kind"),
    ("hazard-zones", "kind=%01", "kind"),
    ("areas", "bbox=%01,1,2,3", "bbox"),
    ("areas", "bbox=1e999,22,114,23", "bbox"),
    ("areas", "bbox=nan,22,114,23", "bbox"),
    ("shelters", "bbox=" + "9" * 401 + ",22,114,23", "bbox"),
    ("shelters", "bbox=113,22,114", "bbox"),
]


@pytest.fixture
def api(client, viewer):
    client.force_login(viewer)
    return client


@pytest.mark.parametrize(("name", "query", "parameter"), BAD)
def test_bad_layer_parameters_answer_400_naming_the_parameter(api, name, query, parameter):
    response = api.get(f"/api/v1/layers/{name}/?{query}")
    assert response.status_code == 400, response.content
    assert parameter in response.json()["detail"]


@pytest.mark.parametrize("url", ["/api/v1/layers/incidents/?status=%00", "/api/v1/layers/resources/?status=%00",
                                 "/api/v1/layers/risk-sources/?enterprise=%00", "/api/v1/layers/areas/?bbox=%00"])
def test_nul_bytes_answer_400(api, url):
    assert api.get(url).status_code == 400


def test_good_parameters_still_work(api):
    for url in ["/api/v1/layers/incidents/?status=all", "/api/v1/layers/incidents/?status=reported,closed&severity=I",
                "/api/v1/layers/resources/?status=available&kind=fire_engine",
                "/api/v1/layers/threat-zones/?hours=72&incident=1,2", "/api/v1/layers/risk-sources/?grade=1,4",
                "/api/v1/layers/areas/?bbox=113.5,22.6,113.7,22.8"]:
        response = api.get(url)
        assert response.status_code == 200, (url, response.content)
        assert response.json()["type"] == "FeatureCollection"


def test_the_registry_holds_every_layer_of_the_contract():
    registered = layers.all_layers()
    for name in ["incidents", "resources", "risk-sources", "targets", "shelters", "hazard-zones", "areas",
                 "threat-zones"]:
        assert name in registered
        assert registered[name].module.endswith(".layers")


def test_a_layer_name_registered_from_two_apps_is_refused():
    with pytest.raises(ValueError, match="already registered"):
        layers.register("incidents", build=lambda **kw: "", roles=[])
