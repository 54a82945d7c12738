import json
import os
import subprocess
import sys

import pytest
from django.test import override_settings


@pytest.mark.django_db
def test_healthz_ok_when_postgres_and_redis_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"postgresql": "ok", "redis": "ok", "status": "ok"}


@pytest.mark.django_db
def test_healthz_503_names_redis_when_redis_is_down(client):
    # Nothing listens on port 1: the same as a stopped Redis, without stopping the shared one.
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0"):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["redis"] == "down" and body["postgresql"] == "ok"
    assert "redis" in body["errors"]


def test_healthz_503_names_postgresql_when_the_database_is_unreachable():
    """A separate process whose DATABASE_URL points where nothing listens."""
    script = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/healthz');"
        "print(r.status_code, json.dumps(r.json()))"
    )
    env = {**os.environ, "DATABASE_URL": "postgis://nobody@127.0.0.1:1/nothing",
           "DJANGO_SETTINGS_MODULE": "command.settings"}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    status, body = out.stdout.strip().splitlines()[-1].split(" ", 1)
    assert status == "503"
    body = json.loads(body)
    assert body["postgresql"] == "down" and body["redis"] == "ok"
