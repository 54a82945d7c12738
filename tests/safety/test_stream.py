"""The stream: an enterprise officer hears their own enterprise's ledger events and never
another's; supervisors hear the whole park (real Redis and PostgreSQL, Channels' communicator)."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework.authtoken.models import Token

from command.asgi import application
from command.streamhub import audiences_for
from safety import services

from .conftest import later

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


def _headers(user):
    token, _ = Token.objects.get_or_create(user=user)
    return [(b"authorization", f"Token {token.key}".encode())]


async def _connect(user):
    comm = WebsocketCommunicator(application, "/ws/stream/?since=0", headers=await sync_to_async(_headers)(user))
    connected, _code = await comm.connect(timeout=5)
    assert connected
    return comm


async def _frames(comm) -> list[dict]:
    frames = []
    while not await comm.receive_nothing(timeout=1):
        frames.append(await comm.receive_json_from(timeout=5))
    return frames


async def test_audiences(park):
    e1, e2 = park["e1"].pk, park["e2"].pk
    officer = await sync_to_async(audiences_for)(park["officer1"])
    assert f"enterprise:{e1}" in officer and f"enterprise:{e2}" not in officer
    supervisor = await sync_to_async(audiences_for)(park["supervisor"])
    assert "safety" in supervisor and not any(a.startswith("enterprise:") for a in supervisor)


async def test_officers_hear_only_their_enterprise(park):
    await sync_to_async(services.hidden_danger_report)(
        actor=park["officer1"], enterprise_id=park["e1"].pk, title="Leak at E1", deadline=later(days=1))
    await sync_to_async(services.hidden_danger_report)(
        actor=park["officer2"], enterprise_id=park["e2"].pk, title="Leak at E2", deadline=later(days=1))
    heard = {}
    for name in ("officer1", "officer2", "supervisor"):
        comm = await _connect(park[name])
        heard[name] = [f["payload"].get("title") for f in await _frames(comm) if f.get("type") == "hidden_danger.reported"]
        await comm.disconnect()
    assert heard["officer1"] == ["Leak at E1"]
    assert heard["officer2"] == ["Leak at E2"]
    assert heard["supervisor"] == ["Leak at E1", "Leak at E2"]
