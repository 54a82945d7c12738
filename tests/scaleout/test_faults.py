"""Faults, each with real processes: a Daphne killed, Redis restarted, the worker stopped,
PostgreSQL restarted. After each, nothing committed is lost and nothing arrives twice."""

import asyncio
import os
import signal
import time

import pytest
from procrastinate.contrib.django.models import ProcrastinateJob

import stream
from core.models import Event
from incidents.models import Assignment
from tests.conftest import free_port, start_daphne, stop_process

from .helpers import PrivatePostgres, PrivateRedis, StreamClient, api, run_async, start_worker, wait_until

pytestmark = pytest.mark.e2e


def _unit_seqs(unit, since):
    return sorted(Event.objects.filter(seq__gt=since, audiences__overlap=[stream.audience_unit(unit.pk)])
                  .values_list("seq", flat=True))


def _dispatch(base, token, incident_id, unit_id):
    status, body = api(base, token, f"/api/v1/incidents/{incident_id}/assignments/", {"resources": [unit_id]})
    assert status == 201, body
    return body[0]["id"]


def _clear(base, token, assignment_id):
    status, body = api(base, token, f"/api/v1/assignments/{assignment_id}/status/", {"status": "cleared"})
    assert status == 200, body


def test_killed_daphne_responders_resume_on_the_other_and_miss_nothing(district):
    env = {"STREAM_POLL_S": "2"}
    port_a, port_b = free_port(), free_port()
    a, b = start_daphne(port_a, env), start_daphne(port_b, env)
    base_a, base_b = f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}"
    units, tokens, boss = district["units"], district["crew_tokens"], district["boss_token"]
    incident = district["incident"].pk
    since = stream.last_seq()

    async def scenario():
        # Every responder starts on A; the proxy would send them to B once A is gone.
        clients = [StreamClient([base_a, base_b], token, since=since).start() for token in tokens]
        try:
            for client in clients:
                await asyncio.wait_for(client.connected.wait(), 15)
            first = [await asyncio.to_thread(_dispatch, base_b, boss, incident, u.pk) for u in units]
            for client, assignment in zip(clients, first, strict=True):
                await client.wait_for(lambda c, a=assignment: a in [f["payload"]["id"] for f in c.of_type(
                    "assignment.created")], 15, "first dispatch")
            os.kill(a.pid, signal.SIGKILL)
            a.wait(10)
            # Committed while the responders are between servers.
            second = []
            for unit, assignment in zip(units, first, strict=True):
                await asyncio.to_thread(_clear, base_b, boss, assignment)
                second.append(await asyncio.to_thread(_dispatch, base_b, boss, incident, unit.pk))
            for client, unit in zip(clients, units, strict=True):
                expected = await asyncio.to_thread(_unit_seqs, unit, since)
                await client.wait_for(lambda c, e=expected: set(e) <= set(c.seqs()), 30, "everything after the crash")
            return clients, second
        finally:
            for client in clients:
                await client.stop()

    try:
        clients, second = run_async(scenario)
    finally:
        stop_process(a)
        stop_process(b)
    for client, unit, assignment in zip(clients, units, second, strict=True):
        client.assert_once_each()
        assert client.connects[0] == base_a and base_b in client.connects[1:]
        assert client.seqs() == _unit_seqs(unit, since)  # exactly the unit's events: none lost, none extra
        assert assignment in [f["payload"]["id"] for f in client.of_type("assignment.created")]


def test_redis_restart_during_dispatches_loses_no_committed_assignment(district):
    redis = PrivateRedis().start()
    port = free_port()
    daphne = start_daphne(port, {"STREAM_POLL_S": "1", "REDIS_URL": redis.url})
    base = f"http://127.0.0.1:{port}"
    unit, token, boss = district["units"][0], district["crew_tokens"][0], district["boss_token"]
    incident = district["incident"].pk
    since = stream.last_seq()

    def dispatch_steadily():
        created = []
        for i in range(12):
            if i == 4:
                redis.stop()  # mid-stream: doorbells now fail, writes must still commit
            if i == 8:
                redis.start()
            created.append(_dispatch(base, boss, incident, unit.pk))
            _clear(base, boss, created[-1])
            time.sleep(0.2)
        return created

    async def scenario():
        client = StreamClient([base], token, since=since).start()
        try:
            await asyncio.wait_for(client.connected.wait(), 15)
            created = await asyncio.to_thread(dispatch_steadily)
            expected = await asyncio.to_thread(_unit_seqs, unit, since)
            await client.wait_for(lambda c: set(expected) <= set(c.seqs()), 30, "every committed event")
            return client, created
        finally:
            await client.stop()

    try:
        client, created = run_async(scenario)
    finally:
        stop_process(daphne)
        redis.cleanup()
    client.assert_once_each()
    assert [f["payload"]["id"] for f in client.of_type("assignment.created")] == created
    assert client.seqs() == _unit_seqs(unit, since)


def test_a_stopped_worker_runs_the_escalations_when_it_returns(district):
    env = {"STREAM_POLL_S": "2", "ESCALATION_TIMEOUT_S": "1", "ESCALATION_MAX_ROUNDS": "1"}
    port = free_port()
    daphne = start_daphne(port, env)
    base = f"http://127.0.0.1:{port}"
    unit, token, boss = district["units"][0], district["crew_tokens"][0], district["boss_token"]
    since = stream.last_seq()
    worker = None

    async def scenario():
        nonlocal worker
        client = StreamClient([base], token, since=since).start()
        try:
            await asyncio.wait_for(client.connected.wait(), 15)
            assignment = await asyncio.to_thread(_dispatch, base, boss, district["incident"].pk, unit.pk)
            # The job is due, but no worker is running: it waits in the queue, durable.
            job = await asyncio.to_thread(
                wait_until, lambda: ProcrastinateJob.objects.filter(
                    task_name="incidents.escalate_unacknowledged", args__assignment_id=assignment,
                    status="todo").first(), 10, 0.2, "the escalation job")
            await asyncio.to_thread(wait_until, lambda: Event.objects.filter(seq__gt=since).exists(), 5)
            await asyncio.sleep(2)  # well past the timeout
            assert not client.of_type("assignment.escalated")
            assert (await asyncio.to_thread(lambda: Assignment.objects.get(pk=assignment).escalations)) == 0
            assert job.scheduled_at is not None
            worker = start_worker(env)
            await client.wait_for(lambda c: any(f["payload"]["id"] == assignment
                                                for f in c.of_type("assignment.escalated")), 30, "the escalation")
            return client, assignment
        finally:
            await client.stop()

    try:
        client, assignment = run_async(scenario)
    finally:
        for proc in (worker, daphne):
            if proc:
                stop_process(proc)
    client.assert_once_each()
    assert Assignment.objects.get(pk=assignment).escalations == 1


def test_postgres_restart_the_app_recovers_without_being_restarted(district):
    """A private cluster: the shared PostgreSQL serves everyone else's tests and is never touched."""
    pg = PrivatePostgres().init()
    daphne = None
    try:
        pg.migrate()
        ids = pg.shell(
            "import json\n"
            "from django.contrib.auth.models import Group, User\n"
            "from django.contrib.gis.geos import Point\n"
            "from rest_framework.authtoken.models import Token\n"
            "from incidents import services\n"
            "from incidents.models import IncidentType\n"
            "from resources.models import Agency, Resource, Responder\n"
            "IncidentType.objects.create(code='fire', klass='accident', name_zh='火灾', name_en='Fire')\n"
            "agency = Agency.objects.create(code='F', name='F')\n"
            "unit = Resource.objects.create(code='U', name='U', kind='fire_engine', agency=agency,"
            " location=Point(113.6, 22.75, srid=4326))\n"
            "crew = User.objects.create_user('crew'); crew.groups.add(Group.objects.get(name='responder'))\n"
            "Responder.objects.create(user=crew, agency=agency, resource=unit)\n"
            "boss = User.objects.create_user('boss')\n"
            "boss.groups.add(Group.objects.get(name='dispatcher'), Group.objects.get(name='duty_officer'))\n"
            "incident = services.incident_log(actor=boss, type_code='fire', severity='III', lon=113.6, lat=22.75)\n"
            "print(json.dumps({'unit': unit.pk, 'incident': incident.pk, 'crew': Token.objects.create(user=crew).key,"
            " 'boss': Token.objects.create(user=boss).key}))\n")
        import json

        ids = json.loads(ids.strip().splitlines()[-1])
        port = free_port()
        daphne = start_daphne(port, {"DATABASE_URL": pg.url, "STREAM_POLL_S": "1"})
        base = f"http://127.0.0.1:{port}"

        async def scenario():
            client = StreamClient([base], ids["crew"], since=0).start()
            try:
                await asyncio.wait_for(client.connected.wait(), 15)
                first = await asyncio.to_thread(_dispatch, base, ids["boss"], ids["incident"], ids["unit"])
                await asyncio.to_thread(_clear, base, ids["boss"], first)
                await client.wait_for(lambda c: len(c.of_type("assignment.updated")) >= 1, 15, "before the restart")
                await asyncio.to_thread(pg.stop)
                await asyncio.to_thread(pg.start)

                def dispatch_when_back():
                    # The first request may meet a connection the restart broke; the app must
                    # heal by itself (health checks, reconnect), not by a restart of Daphne.
                    def attempt():
                        status, body = api(base, ids["boss"], f"/api/v1/incidents/{ids['incident']}/assignments/",
                                           {"resources": [ids["unit"]]})
                        return body[0]["id"] if status == 201 else None
                    return wait_until(attempt, 30, 0.5, "a dispatch after the restart")

                second = await asyncio.to_thread(dispatch_when_back)
                await client.wait_for(lambda c: second in [f["payload"]["id"] for f in c.of_type(
                    "assignment.created")], 30, "the dispatch after the restart")
                return client, first, second
            finally:
                await client.stop()

        client, first, second = run_async(scenario)
        assert daphne.poll() is None, "Daphne must have survived the database restart"
        client.assert_once_each()
        created = [f["payload"]["id"] for f in client.of_type("assignment.created")]
        assert created == [first, second]
    finally:
        if daphne:
            stop_process(daphne)
        pg.cleanup()
