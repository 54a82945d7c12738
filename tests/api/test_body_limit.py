"""Bodies over 1 MB (DATA_UPLOAD_MAX_MEMORY_SIZE): a 413 with a message, on every write
endpoint and for pages' forms too; chunked bodies that announce no length are refused too."""

import http.client
import io
import json
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.test import Client
from rest_framework.authtoken.models import Token

from core import roles
from core.api_base import JSONParser
from incidents.models import Incident
from tests.factories import UserFactory

from .conftest import client_for, snapshot, write_endpoints

LIMIT = 1024 * 1024


def _big_json(valid: dict) -> str:
    return json.dumps({**valid, "padding": "x" * (LIMIT + 10)})


def test_the_limit_is_one_megabyte():
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == LIMIT


def test_every_write_endpoint_refuses_a_body_over_1_mb_with_413(world):
    before = snapshot()
    for method, url, who, valid in write_endpoints(world):
        response = getattr(client_for(who), method)(url, data=_big_json(valid), content_type="application/json")
        assert response.status_code == 413, (url, response.status_code)
        assert "too large" in response.json()["detail"] and "1024 KB" in response.json()["detail"]
    assert snapshot() == before


def test_a_body_just_under_the_limit_is_read_normally(world):
    method, url, who, valid = write_endpoints(world)[1]  # log an incident
    body = json.dumps({**valid, "description": "火" * 100})
    body = body[:-1] + ', "title": "' + "x" * (LIMIT - len(body.encode()) - 200) + '"}'
    response = getattr(client_for(who), method)(url, data=body, content_type="application/json")
    # Reaches the serializer: the title is too long for the field, said per field.
    assert response.status_code == 400 and "title" in response.json()


def test_an_oversized_form_on_a_page_gets_413_not_a_bare_400(duty_officer):
    client = Client()
    client.force_login(duty_officer)
    response = client.post("/incidents/new/", data="title=" + "x" * (LIMIT + 1),
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413 and "too large" in response.json()["detail"]
    assert Incident.objects.count() == 0


def test_a_chunked_body_over_the_limit_is_refused_and_nothing_written(transactional_db, logged_daphne):
    """Daphne passes a chunked body without a length, and DRF then reads no body at all (so
    nothing large is parsed): the answer is a 400 naming the missing fields. The JSON parser
    still stops at the limit wherever a server does hand over such a stream."""
    token = Token.objects.create(user=UserFactory(roles=[roles.DUTY_OFFICER])).key
    url = urlparse(logged_daphne)
    body = json.dumps({"type": "fire", "severity": "IV", "title": "x" * (2 * LIMIT),
                       "location": {"type": "Point", "coordinates": [113.6, 22.75]}}).encode()
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    conn.putrequest("POST", "/api/v1/incidents/")
    conn.putheader("Authorization", f"Token {token}")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    for start in range(0, len(body), 64 * 1024):
        chunk = body[start:start + 64 * 1024]
        conn.send(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
    conn.send(b"0\r\n\r\n")
    response = conn.getresponse()
    assert response.status in (400, 413)
    assert json.loads(response.read())  # a message, not an empty or HTML page
    assert Incident.objects.count() == 0


def test_the_json_parser_itself_stops_at_the_limit():
    with pytest.raises(RequestDataTooBig):
        JSONParser().parse(io.BytesIO(b'"' + b"x" * LIMIT + b'"'))
    assert JSONParser().parse(io.BytesIO(b'{"a": 1}')) == {"a": 1}
