"""Login throttling on every door, and who may open the live stream."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django.test import Client
from rest_framework.authtoken.models import Token

import stream
from command.asgi import application
from tests.conftest import PASSWORD
from tests.scaleout.helpers import run_async

# Transport tests: real event types with stand-in payloads (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("stand_in_payloads")


def _login(client, username, password, ip="10.0.0.1"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.mark.django_db
def test_five_failures_lock_the_username_from_that_address(clean_throttle, duty_officer, settings):
    settings.LOGIN_FAILURE_LIMIT = 5
    client = Client()
    for _ in range(4):
        response = _login(client, "duty_t", "wrong")
        assert response.status_code == 200 and "login-throttled" not in response.content.decode()
    fifth = _login(client, "duty_t", "wrong")
    assert "Too many failed logins" in fifth.content.decode()
    # Locked: even the right password is refused, with the same plain message.
    right = _login(client, "duty_t", PASSWORD)
    assert right.status_code == 200 and "Too many failed logins" in right.content.decode()
    assert "_auth_user_id" not in client.session
    # The same person from another address, and another username from the same address, are not locked.
    other_ip = Client()
    assert _login(other_ip, "duty_t", PASSWORD, ip="10.0.0.2").status_code == 302
    # Unknown usernames count too, so guessing names is throttled the same way.
    for _ in range(5):
        _login(Client(), "nobody-here", "x")
    assert "Too many failed logins" in _login(Client(), "nobody-here", "x").content.decode()


@pytest.mark.django_db
def test_a_success_clears_the_count(clean_throttle, duty_officer):
    client = Client()
    for _ in range(4):
        _login(client, "duty_t", "wrong")
    assert _login(client, "duty_t", PASSWORD).status_code == 302
    for _ in range(4):
        response = _login(Client(), "duty_t", "wrong")
    assert "Too many failed logins" not in response.content.decode()


@pytest.mark.django_db
def test_the_token_endpoint_and_the_admin_obey_the_same_lock(clean_throttle, planner):
    client = Client()
    for _ in range(5):
        response = client.post("/api/v1/auth/token/", {"username": "planner_t", "password": "bad"},
                               REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 429
    assert "Too many failed logins" in response.json()["detail"]
    good = client.post("/api/v1/auth/token/", {"username": "planner_t", "password": PASSWORD}, REMOTE_ADDR="10.0.0.9")
    assert good.status_code == 429
    admin = client.post("/admin/login/", {"username": "planner_t", "password": PASSWORD}, REMOTE_ADDR="10.0.0.9")
    assert admin.status_code == 200 and "_auth_user_id" not in client.session
    assert client.post("/api/v1/auth/token/", {"username": "planner_t", "password": PASSWORD},
                       REMOTE_ADDR="10.0.0.10").status_code == 200


# --- the websocket handshake ---------------------------------------------------------



def _session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


async def _try(headers, path="/ws/stream/"):
    comm = WebsocketCommunicator(application, path, headers=headers)
    connected, _code = await comm.connect(timeout=5)
    if connected:
        await comm.disconnect()
    return connected


@pytest.mark.django_db(transaction=True)
def test_session_cookie_only_from_our_own_origin(make_user):
    cookie = _session_cookie(make_user("ws_console", "dispatcher"))
    run_async(lambda: _origins(cookie))


async def _origins(cookie):
    assert await _try([(b"cookie", cookie), (b"origin", b"http://127.0.0.1:8000")])
    assert await _try([(b"cookie", cookie), (b"origin", b"http://localhost")])
    # Cross-site websocket hijacking: a page elsewhere opening our socket with the officer's cookie.
    assert not await _try([(b"cookie", cookie), (b"origin", b"https://evil.example")])
    assert not await _try([(b"cookie", cookie), (b"origin", b"http://127.0.0.1.evil.example")])
    assert not await _try([(b"cookie", cookie), (b"origin", b"null")])
    # A cookie without any Origin is no browser we can vouch for.
    assert not await _try([(b"cookie", cookie)])
    # No credentials, a forged cookie, a bad token.
    assert not await _try([(b"origin", b"http://127.0.0.1:8000")])
    assert not await _try([(b"cookie", b"sessionid=forged"), (b"origin", b"http://127.0.0.1:8000")])
    assert not await _try([(b"authorization", b"Token 0000")])


@pytest.mark.django_db(transaction=True)
def test_a_deactivated_users_token_and_a_roleless_user_get_nothing(make_user):
    gone = make_user("ws_gone", "dispatcher")
    gone_key = Token.objects.create(user=gone).key
    gone.is_active = False
    gone.save()
    nobody_key = Token.objects.create(user=make_user("ws_nobody")).key
    run_async(lambda: _deactivated_and_roleless(gone_key, nobody_key))


async def _deactivated_and_roleless(gone_key, nobody_key):
    assert not await _try([(b"authorization", f"Token {gone_key}".encode())])
    # A signed-in person without a role may connect but hears only their own audience.
    comm = WebsocketCommunicator(application, "/ws/stream/", headers=[(b"authorization", f"Token {nobody_key}".encode())])
    connected, _ = await comm.connect(timeout=5)
    assert connected

    def emit_console():
        with transaction.atomic():
            stream.emit(audiences=[stream.CONSOLE, stream.DUTY, "unit:1"], type="incident.created", payload={"x": 1})

    await sync_to_async(emit_console)()
    assert await comm.receive_nothing(timeout=1)
    await comm.disconnect()
