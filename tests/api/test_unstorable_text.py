"""Issue 22: a lone UTF-16 surrogate in a choice field (incident severity included) was a 500
(the 400 that named it could not be encoded), and a vertical tab in a title broke the ledger's
.xlsx export for everyone. Every JSON body now refuses both, in any string, with a 400 that
names the field and the character, and nothing is written."""

import json

from .conftest import client_for, snapshot, write_endpoints

# Written as JSON escapes: "\ud800" is valid JSON text for a lone surrogate.
BAD = {"surrogate": '"\\ud800"', "low surrogate": '"I\\udc00"', "vertical tab": '"a\\u000bb"',
       "escape": '"\\u001b[31m"', "form feed": '"\\u000c"'}


def _with(valid: dict, key: str, raw_value: str) -> str:
    body = json.dumps({**valid, key: "@@"})
    return body.replace('"@@"', raw_value)


def test_every_string_field_of_every_write_endpoint_refuses_them(world):
    before = snapshot()
    tried = 0
    for method, url, who, valid in write_endpoints(world):
        keys = [k for k, v in valid.items() if isinstance(v, str)] or ["note"]
        for key in keys:
            for name, raw in BAD.items():
                response = getattr(client_for(who), method)(url, data=_with(valid, key, raw).encode(),
                                                            content_type="application/json")
                assert response.status_code == 400, (url, key, name, response.status_code, response.content[:300])
                detail = response.json()["detail"]
                assert key in detail and "U+" in detail, (url, key, detail)
                tried += 1
    assert tried > 20
    assert snapshot() == before


def test_incident_severity_with_a_lone_surrogate_is_a_400_naming_it(world):
    response = client_for("duty1").post(
        "/api/v1/incidents/", data=b'{"type": "fire", "severity": "\\ud83d", "location": [113.66, 22.65]}',
        content_type="application/json")
    assert response.status_code == 400
    assert "severity" in response.json()["detail"] and "U+D83D" in response.json()["detail"]
    # Tab, newline and carriage return stay allowed in text.
    ok = client_for("duty1").post("/api/v1/incidents/", data=json.dumps({
        "type": "fire", "severity": "IV", "location": {"type": "Point", "coordinates": [113.66, 22.65]},
        "title": "一\t二\r\n三"}), content_type="application/json")
    assert ok.status_code == 201, ok.content
