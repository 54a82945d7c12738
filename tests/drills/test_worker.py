"""A scenario's injects played on time by the real procrastinate worker, also across a restart."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection, transaction
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob

from core.models import Event
from drills import services
from drills.models import Drill, InjectRun

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


def _run_worker_until_idle():
    connector = app.connector.get_worker_connector()
    with app.replace_connector(connector) as worker_app:
        worker_app.run_worker(queues=["drills"], wait=False, install_signal_handlers=False, listen_notify=False)


def _start_worker_process():
    db = connection.settings_dict
    url = f"postgis://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "command.settings"}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return subprocess.Popen([sys.executable, "manage.py", "procrastinate", "worker", "--queues", "drills",
                             "--fetch-job-polling-interval", "0.2", "--no-listen-notify"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait_for(predicate, what, limit=90):
    """Wait until a condition holds (a deadline for a hung worker, not a timing assertion)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting for {what}")


def _played(drill) -> int:
    return InjectRun.objects.filter(drill=drill).exclude(status=InjectRun.Status.SCHEDULED).count()


def test_injects_play_through_the_real_services(make_scenario, director):
    scenario = make_scenario((0, "call"), (0, "further_call"), (0, "release"), (0, "wind_change"), (0, "message"))
    drill = services.drill_plan(actor=director, scenario_id=scenario.pk, speed=60)
    drill = services.drill_start(actor=director, drill_id=drill.pk)
    _run_worker_until_idle()

    runs = list(drill.runs.select_related("inject").order_by("due_at", "id"))
    assert [r.status for r in runs] == ["fired"] * 5, [(r.inject.kind, r.result) for r in runs]
    [incident] = drill.incidents.all()
    assert incident.exercise and incident.created_by == director
    kinds = list(incident.timeline.values_list("kind", flat=True))
    assert "call" in kinds and "note" in kinds
    releases = list(drill.releases.order_by("created_at"))
    assert len(releases) == 2 and all(r.exercise and r.incident_link.incident_id == incident.pk for r in releases)
    assert (releases[1].wind_from_deg, releases[1].wind_speed_ms) == (45, 4)
    played = Event.objects.filter(type="inject.fired").order_by("seq")
    assert [e.payload["status"] for e in played] == ["fired"] * 5
    assert all(e.payload["exercise"] is True for e in played)
    assert Event.objects.get(type="drill.started").payload["exercise"] is True

    # A job run twice plays its inject once.
    services.inject_play(run_id=runs[0].pk)
    assert drill.incidents.count() == 1


def test_a_refused_inject_is_recorded_and_the_drill_goes_on(make_scenario, director):
    scenario = make_scenario((0, "further_call"), (0, "call"))  # a further call before any call: refused
    drill = services.drill_start(actor=director, drill_id=services.drill_plan(
        actor=director, scenario_id=scenario.pk, speed=10).pk)
    _run_worker_until_idle()
    statuses = dict(drill.runs.values_list("inject__kind", "status"))
    assert statuses == {"further_call": "failed", "call": "fired"}
    assert "no call has logged one yet" in drill.runs.get(inject__kind="further_call").result


def test_injects_survive_a_worker_restart(make_scenario, director):
    # Tabletop at 60×: T+0, T+60 s, T+120 s, T+180 s play 0, 1, 2 and 3 s after the start.
    scenario = make_scenario((0, "call"), (60, "message"), (120, "further_call"), (180, "message"))
    drill = services.drill_start(actor=director, drill_id=services.drill_plan(
        actor=director, scenario_id=scenario.pk, speed=60).pk)
    due = list(drill.runs.order_by("due_at").values_list("due_at", flat=True))
    assert [(d - drill.started_at).total_seconds() for d in due] == [0, 1, 2, 3]

    first = _start_worker_process()
    try:
        _wait_for(lambda: _played(drill) >= 1, "the first inject")
    finally:
        first.terminate()  # a restart: the worker stops (finishing what it holds)
        first.wait(30)
    second = _start_worker_process()
    try:
        _wait_for(lambda: _played(drill) == 4, "every inject after the restart")
    finally:
        second.terminate()
        second.wait(30)

    runs = list(drill.runs.select_related("inject").order_by("due_at"))
    assert [r.status for r in runs] == ["fired"] * 4
    assert all(r.fired_at >= r.due_at for r in runs)
    assert [r.fired_at for r in runs] == sorted(r.fired_at for r in runs)
    [incident] = drill.incidents.all()
    assert incident.timeline.filter(kind="note").count() == 2 and incident.timeline.filter(kind="call").count() == 1
    assert Event.objects.filter(type="inject.fired").count() == 4


def test_a_rolled_back_start_leaves_no_job_and_no_run(make_scenario, director):
    scenario = make_scenario((0, "call"), (30, "message"))
    drill = services.drill_plan(actor=director, scenario_id=scenario.pk)
    before = ProcrastinateJob.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.drill_start(actor=director, drill_id=drill.pk)
        raise RuntimeError("the caller's transaction failed later")
    assert ProcrastinateJob.objects.count() == before
    assert not InjectRun.objects.filter(drill=drill).exists()
    assert Drill.objects.get(pk=drill.pk).status == "planned"


def test_an_inject_made_incomplete_after_the_start_fails_with_the_reason(make_scenario, director):
    scenario = make_scenario((0, "call"), (0, "release"))
    drill = services.drill_start(actor=director, drill_id=services.drill_plan(
        actor=director, scenario_id=scenario.pk, speed=10).pk)
    scenario.injects.filter(kind="release").update(rate_kg_s=None)
    _run_worker_until_idle()
    statuses = dict(drill.runs.values_list("inject__kind", "status"))
    assert statuses == {"call": "fired", "release": "failed"}
    assert "rate_kg_s" in drill.runs.get(inject__kind="release").result
