"""Idempotency-Key on API writes and one-time tokens on HTML forms (issue 16, point 9)."""

import json
import threading
import urllib.error
import urllib.request

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.models import IdempotencyRecord
from incidents.models import Incident, IncidentType

BODY = {"type": "fire", "severity": "IV", "location": {"type": "Point", "coordinates": [113.6, 22.75]}}


@pytest.fixture
def fire(db):
    return IncidentType.objects.create(code="fire", klass="accident", name_zh="火灾", name_en="Fire")


def _token_client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def _post(client, body=BODY, key="k-1"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post("/api/v1/incidents/", data=json.dumps(body), content_type="application/json", **headers)


def test_a_retry_with_the_same_key_replays_the_answer_and_writes_once(fire, duty_officer):
    client = _token_client(duty_officer)
    first, second = _post(client), _post(client)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert Incident.objects.count() == 1
    # A new key is a new incident; no key at all behaves as before.
    assert _post(client, key="k-2").json()["id"] != first.json()["id"]
    assert _post(client, key=None).status_code == 201
    assert Incident.objects.count() == 3


def test_the_same_key_with_another_body_is_422_and_writes_nothing(fire, duty_officer):
    client = _token_client(duty_officer)
    assert _post(client).status_code == 201
    other = _post(client, body={**BODY, "severity": "I"})
    assert other.status_code == 422 and "different request" in other.json()["detail"]
    assert Incident.objects.count() == 1


def test_keys_belong_to_their_user(fire, duty_officer, dispatcher):
    assert _post(_token_client(duty_officer)).status_code == 201
    theirs = _post(_token_client(dispatcher))
    assert theirs.status_code == 201 and "Idempotent-Replayed" not in theirs
    assert Incident.objects.count() == 2
    session = Client()
    session.force_login(duty_officer)
    assert _post(session)["Idempotent-Replayed"] == "true"  # the same person by session: the same key


def test_a_refused_request_is_not_kept_so_a_corrected_retry_runs(fire, duty_officer):
    client = _token_client(duty_officer)
    bad = _post(client, body={**BODY, "severity": "V"})
    assert bad.status_code == 400
    assert not IdempotencyRecord.objects.exists()
    assert _post(client).status_code == 201


@pytest.mark.parametrize("key", ["", "x" * 256, "schlüssel", "a b"])
def test_a_malformed_key_is_400(fire, duty_officer, key):
    answer = _post(_token_client(duty_officer), key=key)
    assert answer.status_code == 400 and "idempotency key" in answer.json()["detail"]
    assert Incident.objects.count() == 0


def test_two_submits_of_the_intake_form_with_one_token_log_one_incident(fire, duty_officer):
    client = Client()
    client.force_login(duty_officer)
    form = {"type": "fire", "severity": "IV", "lon": "113.6", "lat": "22.75", "form_token": "0f" * 16}
    first = client.post("/incidents/new/", form)
    second = client.post("/incidents/new/", form)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Incident.objects.count() == 1
    # A fresh token (a new page view) is a new incident.
    assert client.post("/incidents/new/", {**form, "form_token": "1e" * 16}).status_code == 302
    assert Incident.objects.count() == 2


def test_every_page_loads_the_script_that_adds_the_token_and_disables_the_button(duty_officer):
    client = Client()
    client.force_login(duty_officer)
    page = client.get("/incidents/new/").content.decode()
    assert "command/forms.js" in page
    script = Client().get("/static/command/forms.js")
    body = b"".join(script.streaming_content) if script.streaming else script.content
    assert b"form_token" in body and b"disabled = true" in body


@pytest.mark.django_db(transaction=True)
def test_five_parallel_posts_with_one_key_make_one_incident(daphne_server, make_user):
    IncidentType.objects.create(code="fire", klass="accident", name_zh="火灾", name_en="Fire")
    officer = make_user("idem_duty", "duty_officer")
    token = Token.objects.create(user=officer).key
    barrier = threading.Barrier(5)
    answers = []

    def send():
        request = urllib.request.Request(
            f"{daphne_server}/api/v1/incidents/", data=json.dumps(BODY).encode(), method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Token {token}",
                     "Idempotency-Key": "race-1"})
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                answers.append((response.status, json.loads(response.read())["id"]))
        except urllib.error.HTTPError as exc:
            answers.append((exc.code, None))

    threads = [threading.Thread(target=send) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(answers) == 5
    assert {status for status, _ in answers} == {201}
    assert len({pk for _, pk in answers}) == 1
    assert Incident.objects.count() == 1
