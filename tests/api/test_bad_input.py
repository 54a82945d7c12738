"""Bad input on every write endpoint: malformed JSON, wrong types and unknown fields are a 400
naming the problem (per field where there is one), never a 500, and nothing is written."""

import json

from .conftest import client_for, snapshot, write_endpoints

MALFORMED = ['{"severity": "I",', "{'single': 'quotes'}", '{"a": NaN}', "\x00\xff", "[1, 2", '{"a": 1}}']


def _send(client, method, url, body: str | bytes):
    return getattr(client, method)(url, data=body, content_type="application/json")


def test_malformed_json_is_a_400_with_a_message_and_nothing_is_written(world):
    before = snapshot()
    for method, url, who, _ in write_endpoints(world):
        for body in MALFORMED:
            response = _send(client_for(who), method, url, body)
            assert response.status_code == 400, (url, body, response.content)
            assert "JSON" in response.json()["detail"], (url, body, response.json())
    assert snapshot() == before


def test_unknown_fields_are_named_and_refused(world):
    before = snapshot()
    for method, url, who, valid in write_endpoints(world):
        body = {**valid, "colour": "red", "is_admin": True}
        response = _send(client_for(who), method, url, json.dumps(body))
        assert response.status_code == 400, (url, response.content)
        errors = response.json()
        assert errors["colour"] == ["Unknown field."] and errors["is_admin"] == ["Unknown field."], (url, errors)
    assert snapshot() == before


def test_a_body_that_is_not_an_object_is_refused(world):
    before = snapshot()
    for method, url, who, _ in write_endpoints(world):
        for body in ("[]", '"text"', "42", "true"):
            response = _send(client_for(who), method, url, body)
            assert response.status_code == 400, (url, body, response.content)
    assert snapshot() == before


WRONG_TYPES = {
    "/api/v1/auth/token/": ({"username": ["viewer1"], "password": {"x": 1}}, ["username", "password"]),
    "/api/v1/incidents/": ({"type": 7, "severity": "V", "location": [113.6, 22.7], "reported_at": "yesterday",
                            "title": {"t": 1}}, ["severity", "location", "reported_at", "title"]),
    "/assignments/": ({"resources": ["one", None]}, ["resources"]),
    "/decline/": ({"reason": ["x"]}, ["reason"]),
    "/status/": ({"status": "flying"}, ["status"]),
    "/activations/": ({"plan": "first", "level": ["III"]}, ["plan", "level"]),
    "/api/v1/releases/": ({"chemical": "7782-50-5", "rate_kg_s": "lots", "wind_speed_ms": [3], "wind_from_deg": 90,
                           "cloud_okta": 9.5, "terrain": "moon", "location": {"type": "Point"}},
                          ["rate_kg_s", "wind_speed_ms", "cloud_okta", "terrain", "location"]),
    "/api/v1/alerts/": ({"level": "purple", "event": "e", "headline": "h", "description": "d", "area": "nonsense",
                         "area_description": "a", "expires": 12}, ["level", "area", "expires"]),
    "/update/": ({"expires": "soon", "level": 3}, ["expires", "level"]),
    "/cancel/": ({"note": {"n": 1}}, ["note"]),
}


def test_wrong_types_get_a_message_per_field(world):
    before = snapshot()
    checked = 0
    for method, url, who, _ in write_endpoints(world):
        key = next((k for k in WRONG_TYPES if url.endswith(k) or (k.startswith("/api/") and url == k)), None)
        if method == "patch":
            key = "/update/"
        if key is None:
            continue
        body, fields = WRONG_TYPES[key]
        response = _send(client_for(who), method, url, json.dumps(body))
        assert response.status_code == 400, (url, response.content)
        errors = response.json()
        for field in fields:
            assert errors.get(field) and all(isinstance(m, str) and m for m in _messages(errors[field])), (url, field,
                                                                                                         errors)
        checked += 1
    assert checked == 11
    assert snapshot() == before


def _messages(value):
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [m for item in value for m in _messages(item)]
    if isinstance(value, dict):
        return [m for item in value.values() for m in _messages(item)]
    return [str(value)]


def test_the_valid_bodies_are_accepted(world):
    """The bodies the other tests spoil are good ones: each endpoint accepts it as it stands."""
    for method, url, who, valid in write_endpoints(world):
        if url.endswith("/auth/token/"):
            continue
        response = _send(client_for(who), method, url, json.dumps(valid))
        assert response.status_code in (200, 201), (url, response.content)
