"""The second promise under real contention: HTTP requests racing through two Daphne processes
against the real PostgreSQL."""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from incidents import services
from incidents.models import Assignment, Incident
from tests.conftest import free_port, start_daphne, stop_process

from .helpers import api

pytestmark = pytest.mark.e2e

# Where an assignment may go from where (incidents.services.ASSIGNMENT_STEPS, plus acknowledge/decline).
NEXT = {
    "pending": {"acknowledged", "declined", "en_route", "on_scene", "cleared"},
    "acknowledged": {"declined", "en_route", "on_scene", "cleared"},
    "en_route": {"on_scene", "cleared"},
    "on_scene": {"cleared"},
    "declined": set(),
    "cleared": set(),
}


@pytest.fixture
def two_daphnes(district):
    ports = free_port(), free_port()
    procs = [start_daphne(port) for port in ports]
    yield [f"http://127.0.0.1:{port}" for port in ports]
    for proc in procs:
        stop_process(proc)


def _race(calls):
    """Run every call at the same instant (a barrier), each in its own thread."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_twenty_dispatchers_one_unit_exactly_one_wins(district, two_daphnes, make_user):
    from rest_framework.authtoken.models import Token

    unit = district["units"][0]
    # Twenty dispatchers, twenty incidents, one engine.
    callers = []
    for i in range(20):
        user = make_user(f"disp{i}", "dispatcher", "duty_officer")
        incident = services.incident_log(actor=user, type_code="fire", severity="III", lon=113.6 + i / 1000, lat=22.75)
        token = Token.objects.create(user=user).key
        base = two_daphnes[i % 2]
        callers.append(lambda b=base, t=token, inc=incident.pk: api(
            b, t, f"/api/v1/incidents/{inc}/assignments/", {"resources": [unit.pk]}, timeout=60))
    results = _race(callers)
    statuses = Counter(status for status, _body in results)
    assert statuses == {201: 1, 409: 19}, results
    for status, body in results:
        if status == 409:
            assert unit.name in body["detail"]  # names the unit (and who took it)
    assert Assignment.objects.filter(resource=unit).count() == 1
    winner = Assignment.objects.get(resource=unit)
    assert winner.incident.status == Incident.Status.DISPATCHED
    assert Incident.objects.filter(status=Incident.Status.DISPATCHED).count() == 1  # losers left untouched
    unit.refresh_from_db()
    assert unit.status == "dispatched"


def test_parallel_status_updates_keep_one_consistent_timeline(district, two_daphnes):
    unit, incident = district["units"][1], district["incident"]
    [assignment] = services.assignment_create(actor=district["boss"], incident_id=incident.pk, resource_ids=[unit.pk])
    crew, boss = district["crew_tokens"][1], district["boss_token"]
    path = f"/api/v1/assignments/{assignment.pk}"
    calls = []
    for i in range(4):
        token, base = (crew, boss)[i % 2], two_daphnes[i % 2]
        calls += [
            lambda b=base, t=token: api(b, t, f"{path}/acknowledge/", {}, timeout=60),
            lambda b=base, t=token: api(b, t, f"{path}/decline/", {"reason": "engine broken"}, timeout=60),
            lambda b=base, t=token: api(b, t, f"{path}/status/", {"status": "en_route"}, timeout=60),
            lambda b=base, t=token: api(b, t, f"{path}/status/", {"status": "on_scene"}, timeout=60),
            lambda b=base, t=token: api(b, t, f"{path}/status/", {"status": "cleared"}, timeout=60),
        ]
    results = _race(calls)
    assert {status for status, _ in results} <= {200, 409}, results

    assignment.refresh_from_db()
    entries = list(incident.timeline.filter(data__assignment=assignment.pk).order_by("at", "pk"))
    kinds = [e.kind for e in entries]
    assert len(kinds) == len(set(kinds)), f"a transition was recorded twice: {kinds}"
    state = "pending"
    for kind in kinds:
        assert kind in NEXT[state], f"impossible transition {state} → {kind} in {kinds}"
        state = kind
    assert assignment.status == state, (assignment.status, kinds)
    # The audit history agrees with the timeline, step by step.
    history = [h.status for h in assignment.history.order_by("history_date", "history_id")]
    steps = [s for i, s in enumerate(history) if i == 0 or s != history[i - 1]]
    assert steps == ["pending", *kinds], (steps, kinds)
    # And the unit ends where the assignment says it should.
    unit.refresh_from_db()
    # A decline naming a breakdown ("engine broken") takes the unit out of service (issue 22).
    expected_unit = {"declined": "out_of_service", "cleared": "available", "en_route": "en_route",
                     "on_scene": "on_scene", "acknowledged": "dispatched"}[state]
    assert unit.status == expected_unit
