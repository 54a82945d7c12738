"""The websocket stream on real Redis and PostgreSQL, through Channels' communicator."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import Group
from django.contrib.gis.geos import Point
from django.db import transaction
from rest_framework.authtoken.models import Token

from command.asgi import application
from core import stream
from resources.models import Agency, Resource, Responder

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


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
    agency = Agency.objects.get_or_create(code="A", defaults={"name": "a"})[0]
    unit = Resource.objects.create(code=code, name=code, kind="fire_engine", agency=agency, location=Point(113.6, 22.7))
    user = make_user(f"resp_{code}")
    user.groups.add(Group.objects.get(name="responder"))
    Responder.objects.create(user=user, agency=agency, resource=unit)
    return user, unit


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
