"""CSRF on every form and session-authenticated API write; security headers; check --deploy."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import transaction

from tests.security import test_authorisation_matrix as matrix
from tests.security.conftest import client_for
from tests.security.test_authorisation_matrix import MATRIX, _url

ROOT = Path(__file__).resolve().parents[2]
# The matrix's world (the shared one plus the safety ledger's objects and users): every route
# in MATRIX has its object and a user for each role.
world = matrix.world


def _post_cases():
    for route, methods in MATRIX.items():
        if "POST" in methods:
            allowed, target, body, kind = methods["POST"]
            yield route, allowed, target, body, kind


@pytest.mark.django_db
def test_every_post_without_a_csrf_token_is_refused_and_writes_nothing(world):
    from core.models import Event

    checked = 0
    for route, allowed, target, body, kind in _post_cases():
        # Someone who may use the form, so that only the missing token stands in the way.
        if route != "api/v1/auth/token/" and not allowed - {"anonymous"}:
            continue  # nobody may use it: the role refuses it before CSRF is asked
        role = "anonymous" if route == "api/v1/auth/token/" else sorted(allowed - {"anonymous"})[0]
        client = client_for(role, world, enforce_csrf_checks=True)
        if callable(body):
            body = body(world)
        url = _url(route, target, world)
        events = Event.objects.count()
        with transaction.atomic():
            if kind == "json":
                response = client.post(url, data=json.dumps(body), content_type="application/json")
            else:
                response = client.post(url, data=body or {})
            transaction.set_rollback(True)
        if route == "api/v1/auth/token/":
            # Token login without a session has nothing to forge: DRF exempts it by design.
            assert response.status_code == 200
            continue
        assert response.status_code == 403, f"POST {url} as {role} without CSRF token: {response.status_code}"
        assert Event.objects.count() == events
        checked += 1
    assert checked >= 30


@pytest.mark.django_db
def test_token_authenticated_api_needs_no_csrf_but_a_session_does(world):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=world["users"]["duty_officer"]).key
    client = client_for("anonymous", world, enforce_csrf_checks=True)
    body = json.dumps({"type": "fire", "severity": "II", "location": {"type": "Point", "coordinates": [113.6, 22.75]}})
    assert client.post("/api/v1/incidents/", data=body, content_type="application/json",
                       HTTP_AUTHORIZATION=f"Token {token}").status_code == 201
    session = client_for("duty_officer", world, enforce_csrf_checks=True)
    assert session.post("/api/v1/incidents/", data=body, content_type="application/json").status_code == 403


@pytest.mark.django_db
def test_pages_carry_a_csp_without_inline_scripts_and_frame_protection(world):
    client = client_for("duty_officer", world)
    for url in ("/login/", "/incidents/", f"/incidents/{world['incident'].pk}/", "/map/", "/incidents/new/"):
        response = client.get(url)
        assert response.status_code == 200, url
        csp = response["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
        script_src = directives["script-src"]
        assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
        assert "'nonce-" in script_src
        assert directives["object-src"] == "'none'"
        assert directives["frame-ancestors"] == "'none'"
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        # Every <script> in our own pages is a file or a JSON data block; our modules carry this
        # response's nonce (the policy's), as the page's other tags may.
        html = response.content.decode()
        nonce = script_src.split("'nonce-", 1)[1].split("'", 1)[0]
        for chunk in html.split("<script")[1:]:
            tag = chunk.split(">", 1)[0]
            assert "src=" in tag or 'type="application/json"' in tag, f"inline script on {url}: <script{tag}>"
            if 'type="module"' in tag:
                assert f'nonce="{nonce}"' in tag, f"a module without this response's nonce on {url}: <script{tag}>"


@pytest.mark.django_db
def test_the_whole_policy_names_the_tile_server_and_this_host_s_sockets(client):
    """The policy as it was written by hand before django-csp, directive by directive."""
    response = client.get("/login/")
    directives = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    nonce = directives["script-src"].split("'nonce-", 1)[1].split("'", 1)[0]
    assert directives == {
        "default-src": "'self'", "script-src": f"'self' 'nonce-{nonce}'", "style-src": "'self' 'unsafe-inline'",
        "img-src": "'self' data: blob: https://tile.openstreetmap.org",
        "connect-src": "'self' ws://testserver wss://testserver", "font-src": "'self' data:",
        "object-src": "'none'", "base-uri": "'self'", "form-action": "'self'", "frame-ancestors": "'none'",
    }
    assert response["Permissions-Policy"] == "camera=(), microphone=(), geolocation=(self)"


@pytest.mark.django_db
def test_a_fresh_nonce_per_response(world):
    client = client_for("viewer", world)
    first = client.get("/incidents/")["Content-Security-Policy"]
    second = client.get("/incidents/")["Content-Security-Policy"]
    assert first != second


@pytest.mark.django_db
def test_the_admin_map_widget_runs_under_the_nonce(world, admin_client):
    """django-leaflet's admin widget has inline scripts; they carry this response's nonce."""
    response = admin_client.get(f"/admin/resources/resource/{world['unit'].pk}/change/")
    assert response.status_code == 200
    nonce = response["Content-Security-Policy"].split("'nonce-", 1)[1].split("'", 1)[0]
    html = response.content.decode()
    inline = [c.split(">", 1)[0] for c in html.split("<script")[1:] if "src=" not in c.split(">", 1)[0]
              and "application/json" not in c.split(">", 1)[0]]
    assert inline, "expected the leaflet widget's inline script"
    assert all(f'nonce="{nonce}"' in tag for tag in inline), inline


def _production_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE",)}
    env.update({"DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "command.example.org",
                "CSRF_TRUSTED_ORIGINS": "https://command.example.org", "DJANGO_SETTINGS_MODULE": "command.settings",
                # nginx on loopback, as deploy/command.env.example (the test client comes from 127.0.0.1)
                "TRUSTED_PROXIES": "127.0.0.1", **extra})
    return env


def test_check_deploy_is_clean_with_production_settings():
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING",
                             "--tag", "security"], cwd=ROOT, env=_production_env(), capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    # And the whole deploy check (every tag) has no error.
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy"], cwd=ROOT, env=_production_env(),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "security." not in result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = _production_env()
    env.pop("SECRET_KEY")
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_production_sends_hsts_behind_the_tls_proxy_and_redirects_plain_http():
    script = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "c = Client()\n"
        "r = c.get('/login/', HTTP_HOST='command.example.org', HTTP_X_FORWARDED_PROTO='https')\n"
        "print(r.status_code, r.get('Strict-Transport-Security'))\n"
        "r = c.get('/login/', HTTP_HOST='command.example.org')\n"
        "print(r.status_code, r.get('Location'))\n"
        "r = c.get('/healthz', HTTP_HOST='command.example.org')\n"
        "print(r.status_code)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=_production_env(), capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    tls, plain, health = result.stdout.strip().splitlines()[-3:]
    assert tls.startswith("200 ") and "max-age=31536000" in tls and "includeSubDomains" in tls
    assert plain == "301 https://command.example.org/login/"
    assert health.startswith(("200", "503"))  # probes over plain HTTP are not redirected


def test_a_forwarded_proto_from_a_peer_that_is_not_our_proxy_is_ignored():
    script = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "r = Client().get('/login/', HTTP_HOST='command.example.org', HTTP_X_FORWARDED_PROTO='https',\n"
        "                 REMOTE_ADDR='203.0.113.5')\n"
        "print(r.status_code, r.get('Location'))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=_production_env(), capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "301 https://command.example.org/login/"
