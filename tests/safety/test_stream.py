"""The stream: an enterprise officer hears their own enterprise's ledger events and never
another's; supervisors hear the whole park (real Redis and PostgreSQL, Channels' communicator)."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework.authtoken.models import Token

from command.asgi import application
from safety import services
from stream.hub import audiences_for

from .conftest import approve, later

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


async def test_consoles_hear_permits_and_colours_not_the_ledger_itself(park, commander):
    """The command map draws permits in force and the four-colour map: their events reach every
    console (issue 12 point 2); the rest of an enterprise's ledger stays with its officers and
    the supervisors."""
    import datetime as dt

    from django.utils import timezone

    now = timezone.now()
    permit = await sync_to_async(services.work_permit_submit)(
        actor=park["officer1"], enterprise_id=park["e1"].pk, kind="height", height_m=3, place="pipe rack 3",
        valid_from=now - dt.timedelta(minutes=5), valid_to=now + dt.timedelta(hours=2))
    await sync_to_async(approve)(park["officer1"], permit.pk)
    await sync_to_async(services.work_permit_start)(actor=park["officer1"], permit_id=permit.pk)
    await sync_to_async(services.hidden_danger_report)(
        actor=park["officer1"], enterprise_id=park["e1"].pk, title="Leak at E1", deadline=later(days=1),
        criteria=["121-01"])
    comm = await _connect(commander)
    heard = [(f["type"], f["payload"].get("change") or f["payload"].get("colour")) for f in await _frames(comm)
             if f.get("type", "").startswith(("work_permit.", "enterprise.", "hidden_danger."))]
    await comm.disconnect()
    assert ("work_permit.updated", "submitted") in heard and ("work_permit.updated", "start") in heard
    assert ("enterprise.colour_changed", "red") in heard
    assert not any(t.startswith("hidden_danger.") for t, _ in heard)


async def test_an_officer_moved_to_another_enterprise_stops_hearing_the_old_one_at_once(park):
    """Issue 22: the old enterprise's ledger kept reaching the moved officer for 10-14 s."""
    from safety.models import EnterpriseMembership

    comm = await _connect(park["officer1"])
    await _frames(comm)  # whatever the fixtures emitted

    def move():
        membership = EnterpriseMembership.objects.get(user=park["officer1"])
        membership.enterprise = park["e2"]
        membership.save()  # as the admin does

    await sync_to_async(move)()
    changed = await comm.receive_json_from(timeout=20)
    assert changed["type"] == "account.changed" and changed["payload"]["reason"] == "enterprise_membership"
    await sync_to_async(services.hidden_danger_report)(
        actor=park["supervisor"], enterprise_id=park["e1"].pk, title="Leak at E1", deadline=later(days=1))
    await sync_to_async(services.hidden_danger_report)(
        actor=park["supervisor"], enterprise_id=park["e2"].pk, title="Leak at E2", deadline=later(days=1))
    titles = [f["payload"].get("title") for f in await _frames(comm) if f.get("type") == "hidden_danger.reported"]
    assert titles == ["Leak at E2"]
    await comm.disconnect()
