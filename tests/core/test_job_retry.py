"""A job that carries a message to a person is retried when the database aborts it for a reason
that passes (a deadlock, a connection lost in a failover), and only then (core/retry.py)."""

import pytest
from django.db.utils import IntegrityError, InterfaceError, OperationalError
from procrastinate.jobs import Job

from incidents.services.responders import escalate_unacknowledged
from monitoring.services import escalate_alarm
from notices.services import chase_notice

TASKS = [escalate_unacknowledged, escalate_alarm, chase_notice]


def job(task, attempts):
    return Job(id=1, queue=task.queue, lock=None, queueing_lock=None, task_name=task.name, attempts=attempts,
               task_kwargs={})


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.name)
def test_a_deadlock_or_a_lost_connection_is_retried_soon(task):
    deadlock = OperationalError("deadlock detected")
    first = task.retry_strategy.get_retry_decision(exception=deadlock, job=job(task, 0))
    assert first is not None and first.retry_at is not None
    gone = InterfaceError("connection already closed")
    assert task.retry_strategy.get_retry_decision(exception=gone, job=job(task, 5)) is not None


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.name)
def test_a_real_error_is_not_retried_and_retries_end(task):
    assert task.retry_strategy.get_retry_decision(exception=IntegrityError("bad row"), job=job(task, 0)) is None
    assert task.retry_strategy.get_retry_decision(exception=OperationalError("x"), job=job(task, 20)) is None
