"""Issue 26: after the database is restored from a backup to an earlier point, the event log's
sequence continues above anything the lost history handed out, and a client holding a seq of
that lost history is told to reload (4400), even once new events exist, instead of resuming
silently and missing them. (tests/failover/test_backups.py does the same through a real
pgBackRest restore.)"""

from io import StringIO

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.management import call_command
from django.db import transaction
from rest_framework.authtoken.models import Token

import stream
from command.asgi import application
from core.models import Event, StreamRestore

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio, pytest.mark.usefixtures("stand_in_payloads")]


def _emit():
    with transaction.atomic():
        return stream.emit(audiences=["console"], type="incident.created", payload={}).seq


def _headers(user):
    token, _ = Token.objects.get_or_create(user=user)
    return [(b"authorization", f"Token {token.key}".encode())]


async def _open(headers, since):
    comm = WebsocketCommunicator(application, f"/ws/stream/?since={since}", headers=headers)
    connected, _code = await comm.connect(timeout=5)
    assert connected
    return comm


def _restore_to(kept):
    """What a point-in-time restore does to the log: the events after `kept` are gone (the
    sequence itself is restored too, but may be ahead: PostgreSQL logs it in steps)."""
    Event.objects.filter(seq__gt=kept).delete()


async def test_after_a_restore_the_log_continues_and_clients_of_the_lost_history_reload(make_user):
    user = await sync_to_async(make_user)("watcher", "viewer")
    headers = await sync_to_async(_headers)(user)
    kept = await sync_to_async(_emit)()
    lost = [await sync_to_async(_emit)() for _ in range(3)]  # seen by clients, then lost by the restore
    await sync_to_async(_restore_to)(kept)

    out = StringIO()
    await sync_to_async(call_command)("stream_after_restore", "--gap", "1000", "--note", "test restore", stdout=out)
    marked = await sync_to_async(StreamRestore.objects.get)()
    assert marked.after_seq == kept and marked.resume_seq >= lost[-1] + 1000
    assert f"kept up to seq {kept}" in out.getvalue()
    fresh = await sync_to_async(_emit)()
    assert fresh > marked.resume_seq  # never a number the lost history used

    # A client of the lost history: refused with 4400 and told why, although the log's end is
    # now far past its seq (before, only "past the end" was refused: this one would be silent).
    for since in (lost[0], lost[-1], marked.resume_seq):
        comm = await _open(headers, since)
        closing = await comm.receive_output(timeout=20)
        assert closing["type"] == "websocket.close" and closing["code"] == 4400, since
        assert "restored from a backup" in closing["reason"] and str(kept) in closing["reason"]

    # A client that had seen only what the restore kept resumes and gets the new event.
    comm = await _open(headers, kept)
    frame = await comm.receive_json_from(timeout=20)
    assert frame["seq"] == fresh
    await comm.disconnect()


async def test_the_command_refuses_a_gap_below_one(make_user):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="at least 1"):
        await sync_to_async(call_command)("stream_after_restore", "--gap", "0")
    assert not await sync_to_async(StreamRestore.objects.exists)()
