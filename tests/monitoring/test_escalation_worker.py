"""An unacknowledged HH alarm escalates by itself (issue 11, point 4), end to end: the reading is
stored, the escalation job waits in PostgreSQL, a real `manage.py procrastinate worker` process
runs it when it is due, and the officers on duty and the point's responsible persons get the
event on their live stream from a real Daphne. Acknowledged in time, nothing goes out."""

import datetime as dt
import os
import subprocess
import sys

import pytest
from django.utils import timezone
from procrastinate.contrib.django.models import ProcrastinateJob
from rest_framework.authtoken.models import Token

import stream
from core.models import Event
from monitoring import services, store
from monitoring.models import Alarm
from monitoring.parsing import RawReading
from plans.models import DutyPost, Shift
from tests.conftest import stop_process
from tests.monitoring.conftest import wait_until
from tests.scaleout.helpers import ROOT, StreamClient, database_url, run_async

ESCALATE_AFTER_S = 2


@pytest.fixture
def worker(transactional_db):
    """A real procrastinate worker process on the test database (the escalations queue)."""
    env = {**os.environ, "DATABASE_URL": database_url(), "DJANGO_SETTINGS_MODULE": "command.settings",
           "MONITORING_HH_ESCALATION_S": str(ESCALATE_AFTER_S)}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    proc = subprocess.Popen([sys.executable, "manage.py", "procrastinate", "worker", "--queues", "escalations",
                             "--fetch-job-polling-interval", "0.2", "--no-listen-notify"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    yield proc
    stop_process(proc, grace=15)


@pytest.fixture
def hh_point(make_point, make_user):
    officer = make_user("officer_d", "duty_officer")
    post = DutyPost.objects.create(code="ZB", name="值班员", role="duty_officer")
    now = timezone.now()
    Shift.objects.create(post=post, person=officer, start=now - dt.timedelta(hours=1), end=now + dt.timedelta(hours=8))
    owner = make_user("tank_owner_d")  # no console role: hears the alarm only as its responsible person
    point = make_point("GASE")
    point.responsible.add(owner)
    return point, officer, owner


def raise_hh(code: str) -> Alarm:
    start = timezone.now() - dt.timedelta(seconds=30)
    store.readings_store(readings=[RawReading(code, start + dt.timedelta(seconds=s), 50, True) for s in range(6)])
    alarm = Alarm.objects.get(point__code=code)
    assert (alarm.level, alarm.state) == ("hh", "active")
    return alarm


def escalation_job(alarm: Alarm):
    return ProcrastinateJob.objects.filter(task_name="monitoring.escalate_alarm", args={"alarm_id": alarm.pk}).first()


def test_an_unacknowledged_hh_alarm_reaches_the_officers_on_duty_through_the_worker(
        settings, daphne_server, worker, hh_point):
    settings.MONITORING_HH_ESCALATION_S = ESCALATE_AFTER_S
    point, officer, owner = hh_point
    tokens = {u.username: Token.objects.create(user=u).key for u in (officer, owner)}
    since = stream.last_seq()
    alarm = raise_hh(point.code)
    assert escalation_job(alarm).status == "todo"  # waiting in PostgreSQL, not in a thread

    async def scenario():
        clients = {name: StreamClient([daphne_server], token, since=since).start() for name, token in tokens.items()}
        try:
            def escalated(client):
                return any(f["type"] == "alarm.updated" and f["payload"]["id"] == alarm.pk
                           and f["payload"]["change"] == "escalated_to_people" for f in client.frames)

            # A deadline for a hung worker, not a timing assertion.
            await clients[officer.username].wait_for(escalated, timeout=90, what="the escalation on the duty stream")
            await clients[owner.username].wait_for(escalated, timeout=30, what="the escalation on the owner's stream")
            return {name: [f["payload"].get("change") for f in c.of_type("alarm.updated")] for name, c in clients.items()}
        finally:
            for client in clients.values():
                await client.stop()

    heard = run_async(scenario)
    assert heard[officer.username].count("escalated_to_people") == 1
    # The owner (no console role) hears only what is addressed to them: the escalation.
    assert heard[owner.username] == ["escalated_to_people"]
    event = Event.objects.get(type="alarm.updated", payload__change="escalated_to_people")
    # The park's supervisors hear it too (issue 21.5); this point has no risk source, so no enterprise.
    assert set(event.audiences) == {stream.CONSOLE, stream.DUTY, stream.SAFETY, stream.audience_user(owner.pk)}
    alarm.refresh_from_db()
    assert alarm.escalations == 1 and alarm.history.filter(kind="escalation").count() == 1
    assert escalation_job(alarm).status == "succeeded"


def test_an_alarm_acknowledged_in_time_is_not_escalated(settings, worker, hh_point):
    # Long enough for the acknowledgement below to come first on a loaded machine.
    settings.MONITORING_HH_ESCALATION_S = 15
    point, officer, _owner = hh_point
    alarm = raise_hh(point.code)
    services.alarm_acknowledge(actor=officer, alarm_id=alarm.pk, note="Operator on site")
    job = escalation_job(alarm)
    assert job.status == "todo" and job.scheduled_at > timezone.now()  # acknowledged before it was due

    # The worker runs the job when it is due; it finds the alarm acknowledged and tells no one.
    wait_until(lambda: escalation_job(alarm).status in ("succeeded", "failed"), timeout=120, what="the job run")
    assert escalation_job(alarm).status == "succeeded"
    alarm.refresh_from_db()
    assert alarm.escalations == 0 and not alarm.history.filter(kind="escalation").exists()
    assert not Event.objects.filter(type="alarm.updated", payload__change="escalated_to_people").exists()
