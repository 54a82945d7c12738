"""Two Daphne processes and a worker sharing PostgreSQL and Redis: one system, not three."""

import asyncio

import pytest

import stream
from incidents.models import Assignment
from tests.conftest import free_port, start_daphne, stop_process

from .helpers import StreamClient, api, run_async, start_worker

pytestmark = pytest.mark.e2e


def test_dispatch_through_a_reaches_a_responder_on_b_and_the_worker_escalates_to_b(district):
    # A long poll: a frame arriving sooner came through the Redis doorbell from the other process.
    env = {"STREAM_POLL_S": "60", "ESCALATION_TIMEOUT_S": "2", "ESCALATION_MAX_ROUNDS": "1"}
    port_a, port_b = free_port(), free_port()
    a = start_daphne(port_a, env)
    b = start_daphne(port_b, env)
    worker = start_worker(env)
    base_a, base_b = f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}"
    unit = district["units"][0]
    since = stream.last_seq()

    async def scenario():
        responder = StreamClient([base_b], district["crew_tokens"][0], since=since).start()
        console = StreamClient([base_b], district["boss_token"], since=since).start()
        try:
            await asyncio.wait_for(responder.connected.wait(), 15)
            await asyncio.wait_for(console.connected.wait(), 15)
            status, created = await asyncio.to_thread(
                api, base_a, district["boss_token"], f"/api/v1/incidents/{district['incident'].pk}/assignments/",
                {"resources": [unit.pk]})
            assert status == 201, created
            assignment_id = created[0]["id"]
            await responder.wait_for(lambda c: any(f["payload"]["id"] == assignment_id
                                                   for f in c.of_type("assignment.created")), 20,
                                     "assignment.created on B")
            # Nobody acknowledges: the worker escalates, and B pushes it to the unit and the console.
            for client in (responder, console):
                await client.wait_for(lambda c: any(f["payload"]["id"] == assignment_id
                                                    for f in c.of_type("assignment.escalated")), 30,
                                      "assignment.escalated on B")
            for client in (responder, console):
                client.assert_once_each()
            assert set(responder.connects) == {base_b}
            return assignment_id
        finally:
            await responder.stop()
            await console.stop()

    try:
        assignment_id = run_async(scenario)
    finally:
        for proc in (worker, a, b):
            stop_process(proc)
    assignment = Assignment.objects.get(pk=assignment_id)
    assert assignment.escalations == 1
    assert assignment.incident.timeline.filter(kind="escalated").count() == 1
