"""The websocket stream on real Redis and PostgreSQL, through Channels' communicator."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Point
from django.db import transaction
from rest_framework.authtoken.models import Token

import stream
from command.asgi import application
from core.models import Event
from resources.models import Resource, Responder
from tests.factories import UnitFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio, pytest.mark.usefixtures("stand_in_payloads")]


def _token_headers(user):
    token, _ = Token.objects.get_or_create(user=user)
    return [(b"authorization", f"Token {token.key}".encode())]


def _emit(audiences, type_="t.x", payload=None):
    with transaction.atomic():
        return stream.emit(audiences=audiences, type=type_, payload=payload or {}).seq


async def _connect(headers, path="/ws/stream/"):
    comm = WebsocketCommunicator(application, path, headers=headers)
    connected, code = await comm.connect(timeout=5)
    return comm, connected, code


def _responder(make_user, code="U1"):
    unit = UnitFactory(code=code, name=code, agency__code="A", location=Point(113.6, 22.7, srid=4326), crew=f"resp_{code}")
    return unit.responders.get().user, unit


async def test_refuses_without_credentials_and_with_a_bad_token():
    comm, connected, _ = await _connect([])
    assert not connected
    comm, connected, _ = await _connect([(b"authorization", b"Token not-a-token")])
    assert not connected


async def test_refuses_a_session_from_a_foreign_origin(make_user):
    user = await sync_to_async(make_user)("console_user", "dispatcher")
    headers = await sync_to_async(_token_headers)(user)
    comm, connected, _ = await _connect(headers + [(b"origin", b"https://evil.example")])
    assert not connected
    comm, connected, _ = await _connect(headers + [(b"origin", b"http://127.0.0.1:8000")])
    assert connected
    await comm.disconnect()


async def test_replays_since_then_streams_live_and_filters_by_audience(make_user):
    responder, unit = await sync_to_async(_responder)(make_user)
    headers = await sync_to_async(_token_headers)(responder)
    mine_before = await sync_to_async(_emit)([f"unit:{unit.pk}"], "assignment.created", {"n": 1})
    await sync_to_async(_emit)(["unit:999999"], "assignment.created", {"n": "not mine"})
    await sync_to_async(_emit)(["console"], "incident.created", {"n": "console only"})

    comm, connected, _ = await _connect(headers, f"/ws/stream/?since={mine_before - 1}")
    assert connected
    first = await comm.receive_json_from(timeout=5)
    assert first["seq"] == mine_before and first["payload"] == {"n": 1} and first["type"] == "assignment.created"
    assert "at" in first

    live = await sync_to_async(_emit)([f"unit:{unit.pk}", "console"], "assignment.updated", {"n": 2})
    frame = await comm.receive_json_from(timeout=5)
    assert frame["seq"] == live
    assert await comm.receive_nothing(timeout=0.3)
    await comm.disconnect()


async def test_nothing_lost_or_repeated_across_a_dropped_connection(make_user):
    user = await sync_to_async(make_user)("watcher", "duty_officer")
    headers = await sync_to_async(_token_headers)(user)
    comm, connected, _ = await _connect(headers)
    assert connected
    seqs = [await sync_to_async(_emit)(["console"], "incident.updated", {"i": i}) for i in range(3)]
    got = [(await comm.receive_json_from(timeout=5))["seq"] for _ in range(3)]
    assert got == seqs
    await comm.disconnect()

    # While the client is away, more happens.
    missed = [await sync_to_async(_emit)(["console"], "incident.updated", {"i": i}) for i in range(3, 6)]
    comm, connected, _ = await _connect(headers, f"/ws/stream/?since={got[-1]}")
    assert connected
    replayed = [(await comm.receive_json_from(timeout=5))["seq"] for _ in range(3)]
    assert replayed == missed
    assert await comm.receive_nothing(timeout=0.3)
    await comm.disconnect()


async def test_since_omitted_means_from_now(make_user):
    user = await sync_to_async(make_user)("nowuser", "viewer")
    await sync_to_async(_emit)(["console"], "incident.created", {})
    headers = await sync_to_async(_token_headers)(user)
    comm, connected, _ = await _connect(headers)
    assert connected
    assert await comm.receive_nothing(timeout=0.3)
    await comm.disconnect()


async def test_malformed_since_is_refused(make_user):
    user = await sync_to_async(make_user)("sinceuser", "viewer")
    headers = await sync_to_async(_token_headers)(user)
    comm, connected, _ = await _connect(headers, "/ws/stream/?since=abc")
    assert not connected


async def test_a_lost_doorbell_is_caught_up_by_polling(make_user, settings):
    """Redis may drop a notice (restart): the consumer's poll reads the log anyway."""
    settings.STREAM_POLL_S = 0.2
    user = await sync_to_async(make_user)("polluser", "dispatcher")
    headers = await sync_to_async(_token_headers)(user)
    comm, connected, _ = await _connect(headers)
    assert connected

    def write_without_doorbell():
        from core.models import Event

        with transaction.atomic():
            return Event.objects.create(audiences=["console"], type="t.silent", payload={}).seq

    seq = await sync_to_async(write_without_doorbell)()
    frame = await comm.receive_json_from(timeout=3)
    assert frame["seq"] == seq
    await comm.disconnect()
    await asyncio.sleep(0)


async def test_an_officer_on_duty_receives_duty_events_without_a_console_role(make_user):
    from datetime import timedelta

    from django.utils import timezone

    from plans.models import DutyPost, Shift

    def setup():
        officer = make_user("leader_on_duty")  # no console role at all
        post = DutyPost.objects.create(code="LEAD", name="带班领导")
        now = timezone.now()
        Shift.objects.create(post=post, person=officer, start=now - timedelta(hours=1), end=now + timedelta(hours=1))
        return officer

    officer = await sync_to_async(setup)()
    headers = await sync_to_async(_token_headers)(officer)
    comm, connected, _ = await _connect(headers)
    assert connected
    seq = await sync_to_async(_emit)(["console", "duty"], "assignment.escalated", {"id": 1})
    await sync_to_async(_emit)(["console"], "incident.updated", {"id": 1})
    frame = await comm.receive_json_from(timeout=5)
    assert frame["seq"] == seq and frame["type"] == "assignment.escalated"
    assert await comm.receive_nothing(timeout=0.3)
    await comm.disconnect()


# --- issue 15: one reader per process, replay → live handoff ---------------------------------

async def _close_code(comm, timeout=20):
    """The code the server closed with (skipping any frames still in flight)."""
    while True:
        message = await comm.receive_output(timeout=timeout)
        if message["type"] == "websocket.close":
            return message.get("code")


async def test_replay_hands_off_to_live_without_gap_or_duplicate(make_user):
    """Events committed while a socket replays a long backlog (several pages) arrive exactly
    once, in order: the hub buffers them during the replay and the socket drops seqs it sent."""
    user = await sync_to_async(make_user)("handoff", "dispatcher")
    headers = await sync_to_async(_token_headers)(user)

    def backlog():
        with transaction.atomic():
            first = stream.emit(audiences=["console"], type="t.x", payload={"i": 0}).seq
            for i in range(1, 1100):
                stream.emit(audiences=["console"] if i % 3 else ["unit:424242"], type="t.x", payload={"i": i})
        return first

    first = await sync_to_async(backlog)()
    stop = asyncio.Event()

    async def writer():
        written = 0
        while not stop.is_set() and written < 60:
            await sync_to_async(_emit)(["console"], "t.x", {"live": written})
            written += 1
            await asyncio.sleep(0)

    writing = asyncio.create_task(writer())
    comm, connected, _ = await _connect(headers, f"/ws/stream/?since={first - 1}")
    assert connected
    await writing
    expected = await sync_to_async(lambda: list(
        Event.objects.filter(seq__gte=first, audiences__overlap=["console"]).order_by("seq")
        .values_list("seq", flat=True)))()
    got = [(await comm.receive_json_from(timeout=10))["seq"] for _ in expected]
    assert got == expected
    assert await comm.receive_nothing(timeout=0.3)
    await comm.disconnect()


async def test_one_read_per_event_for_many_sockets(make_user):
    """Fifty sockets in one process: an event is read from the database once by the hub, not
    once per socket, and every socket gets it."""
    from stream.hub import get_hub

    user = await sync_to_async(make_user)("many", "viewer")
    headers = await sync_to_async(_token_headers)(user)
    comms = []
    for _ in range(50):
        comm, connected, _ = await _connect(headers)
        assert connected
        comms.append(comm)
    hub = get_hub()
    before = hub.stats["fetches"]
    seq = await sync_to_async(_emit)(["console"], "incident.created", {})
    for comm in comms:
        assert (await comm.receive_json_from(timeout=20))["seq"] == seq
    assert hub.stats["fetches"] - before <= 2
    for comm in comms:
        await comm.disconnect()


# --- issue 16, points 1-5: the socket's lifecycle ------------------------------------------

async def test_a_moved_responder_socket_follows_the_unit_at_once(make_user):
    from resources.services import responder_move

    def setup():
        responder, old_unit = _responder(make_user, "OLD")
        new_unit = Resource.objects.create(code="NEW", name="NEW", kind="fire_engine", agency=old_unit.agency,
                                           location=Point(113.6, 22.7))
        planner = make_user("planner_mover", "planner")
        return responder, old_unit, new_unit, planner

    responder, old_unit, new_unit, planner = await sync_to_async(setup)()
    headers = await sync_to_async(_token_headers)(responder)
    comm, connected, _ = await _connect(headers)
    assert connected

    await sync_to_async(responder_move)(actor=planner, responder_id=responder.responder.pk, resource_id=new_unit.pk)
    moved = await comm.receive_json_from(timeout=20)
    assert moved["type"] == "account.changed" and moved["payload"]["reason"] == "moved"
    await sync_to_async(_emit)([f"unit:{old_unit.pk}"], "assignment.created", {"unit": "old"})
    new = await sync_to_async(_emit)([f"unit:{new_unit.pk}"], "assignment.created", {"unit": "new"})
    frame = await comm.receive_json_from(timeout=20)
    assert frame["seq"] == new and frame["payload"] == {"unit": "new"}
    assert await comm.receive_nothing(timeout=0.3)
    await comm.disconnect()


async def test_a_deactivated_users_socket_is_closed(make_user):
    from resources.services import user_deactivate

    user = await sync_to_async(make_user)("leaver", "dispatcher")
    admin = await sync_to_async(get_user_model().objects.create_superuser)("root_t", password="x-pass-12345")
    headers = await sync_to_async(_token_headers)(user)
    comm, connected, _ = await _connect(headers)
    assert connected
    await sync_to_async(user_deactivate)(actor=admin, user_id=user.pk)
    assert await _close_code(comm) == 4403


async def test_logout_closes_that_sessions_sockets_and_only_those(make_user):
    from django.test import Client

    user = await sync_to_async(make_user)("officer_out", "duty_officer")

    def sign_in():
        client = Client()
        client.force_login(user)
        return client, f"sessionid={client.cookies['sessionid'].value}".encode()

    leaving, leaving_cookie = await sync_to_async(sign_in)()
    _staying, staying_cookie = await sync_to_async(sign_in)()
    origin = (b"origin", b"http://127.0.0.1:8000")
    gone, connected, _ = await _connect([(b"cookie", leaving_cookie), origin])
    assert connected
    kept, connected, _ = await _connect([(b"cookie", staying_cookie), origin])
    assert connected
    response = await sync_to_async(leaving.post)("/logout/")
    assert response.status_code == 302
    assert await _close_code(gone) == 4401
    seq = await sync_to_async(_emit)(["console"], "incident.created", {})
    frames = [await kept.receive_json_from(timeout=20), await kept.receive_json_from(timeout=20)]
    assert frames[0]["type"] == "account.changed" and frames[1]["seq"] == seq
    await kept.disconnect()


async def test_revoking_the_token_closes_its_sockets_and_refuses_it(make_user):
    from rest_framework.test import APIClient

    user = await sync_to_async(make_user)("program", "viewer")
    headers = await sync_to_async(_token_headers)(user)
    comm, connected, _ = await _connect(headers)
    assert connected

    def revoke():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=headers[0][1].decode())
        revoked = client.delete("/api/v1/auth/token/")
        return revoked.status_code, client.get("/api/v1/me/").status_code, APIClient().delete("/api/v1/auth/token/")

    revoked, after, anonymous = await sync_to_async(revoke)()
    # Without credentials the API answers 403 (session authentication comes first, so no
    # WWW-Authenticate challenge): the revoked token no longer signs anybody in.
    assert revoked == 204 and after in (401, 403)
    assert anonymous.status_code in (401, 403)
    assert await _close_code(comm) == 4401
    comm, connected, _ = await _connect(headers)
    assert not connected


async def test_changes_made_behind_the_services_back_are_caught_on_the_hubs_round(make_user, settings):
    """An admin deleting a token or a unit assignment directly: the hub's periodic re-check."""
    settings.STREAM_RECHECK_S = 0.2
    settings.STREAM_POLL_S = 0.2
    responder, unit = await sync_to_async(_responder)(make_user, "DRIFT")
    headers = await sync_to_async(_token_headers)(responder)
    comm, connected, _ = await _connect(headers)
    assert connected
    await sync_to_async(lambda: Responder.objects.filter(user=responder).update(resource=None))()
    await asyncio.sleep(1)
    await sync_to_async(_emit)([f"unit:{unit.pk}"], "assignment.created", {})
    assert await comm.receive_nothing(timeout=0.5)
    await sync_to_async(lambda: Token.objects.filter(user=responder).delete())()
    assert await _close_code(comm) == 4401


async def test_since_past_the_end_of_the_log_is_refused(make_user):
    user = await sync_to_async(make_user)("future", "viewer")
    headers = await sync_to_async(_token_headers)(user)
    last = await sync_to_async(_emit)(["console"], "incident.created", {})
    for since in ("99999999999999999999999", "-1", "١", "1e3"):
        comm, connected, code = await _connect(headers, f"/ws/stream/?since={since}")
        assert not connected and code == 4400, since
    # Well-formed but past the end: accepted, then closed with 4400 and the reason, so that a
    # browser (which sees no code for a refused handshake) learns to drop its stored seq.
    for since in ("99999999999", str(last + 1)):
        comm, connected, _ = await _connect(headers, f"/ws/stream/?since={since}")
        assert connected
        closing = await comm.receive_output(timeout=20)
        assert closing["type"] == "websocket.close" and closing["code"] == 4400, since
        assert f"last seq {last}" in closing["reason"]
    comm, connected, _ = await _connect(headers, f"/ws/stream/?since={last}")
    assert connected
    await comm.disconnect()


async def test_malformed_frames_are_answered_and_the_socket_stays(make_user):
    user = await sync_to_async(make_user)("sloppy", "viewer")
    headers = await sync_to_async(_token_headers)(user)
    comm, connected, _ = await _connect(headers)
    assert connected
    for text in ("hello", "[1,2]", "null", " ", '"ping"', "{"):
        await comm.send_to(text_data=text)
        assert (await comm.receive_json_from(timeout=20))["error"] == "malformed_frame", text
    await comm.send_to(bytes_data=b"\x00\x01binary")
    assert (await comm.receive_json_from(timeout=20))["error"] == "binary_frame"
    await comm.send_json_to({"type": "unknown"})
    await comm.send_json_to({"type": "ping"})
    assert await comm.receive_json_from(timeout=20) == {"type": "pong"}
    seq = await sync_to_async(_emit)(["console"], "incident.created", {})
    assert (await comm.receive_json_from(timeout=20))["seq"] == seq
    await comm.disconnect()


async def test_oversized_frames_and_floods_close_the_socket(make_user, settings):
    settings.STREAM_CLIENT_RATE = 1
    settings.STREAM_CLIENT_BURST = 5
    user = await sync_to_async(make_user)("flooder", "viewer")
    headers = await sync_to_async(_token_headers)(user)
    comm, connected, _ = await _connect(headers)
    assert connected
    await comm.send_to(text_data='{"type": "ping", "pad": "' + "x" * 5000 + '"}')
    assert await _close_code(comm) == 1009

    comm, connected, _ = await _connect(headers)
    assert connected
    for _ in range(20):
        await comm.send_to(text_data='{"type": "noop"}')
    assert await _close_code(comm) == 4429


async def test_origin_must_match_in_scheme_host_and_port(make_user, settings):
    user = await sync_to_async(make_user)("origin_user", "dispatcher")
    headers = await sync_to_async(_token_headers)(user)
    host = (b"host", b"127.0.0.1:8000")

    async def opens(*extra):
        comm, connected, _ = await _connect(headers + [host, *extra])
        if connected:
            await comm.disconnect()
        return connected

    assert await opens((b"origin", b"http://127.0.0.1:8000"))
    assert not await opens((b"origin", b"http://127.0.0.1:9999"))
    assert not await opens((b"origin", b"https://127.0.0.1:4443"))
    assert not await opens((b"origin", b"https://127.0.0.1:8000"))
    assert not await opens((b"origin", b"http://localhost:8000"))
    # Behind a TLS proxy (SECURE_PROXY_SSL_HEADER, production): the page is https.
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    proxied = [(b"host", b"command.example.org"), (b"x-forwarded-proto", b"https")]
    settings.ALLOWED_HOSTS = ["command.example.org"]
    comm, connected, _ = await _connect(headers + proxied + [(b"origin", b"https://command.example.org")])
    assert connected
    await comm.disconnect()
    comm, connected, _ = await _connect(headers + proxied + [(b"origin", b"http://command.example.org")])
    assert not connected
    # Listed in CSRF_TRUSTED_ORIGINS: scheme and port count there too.
    settings.CSRF_TRUSTED_ORIGINS = ["https://*.example.net"]
    assert await opens((b"origin", b"https://console.example.net"))
    assert not await opens((b"origin", b"https://console.example.net:8443"))
    assert not await opens((b"origin", b"http://console.example.net"))
