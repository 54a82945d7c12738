import datetime as dt

import pytest
from django.utils import timezone
from procrastinate.contrib.django.models import ProcrastinateJob

from core.errors import DomainError
from core.models import Event
from incidents.models import TimelineEntry
from plans import services
from plans.models import Activation, Plan, Task
from tests.plans.conftest import make_plan


def test_commander_activates_plan_and_gets_tasks_with_due_times(plan, incident, commander):
    before = timezone.now()
    activation = services.plan_activate(actor=commander, incident_id=incident.pk, plan_id=plan.pk, level="IV")
    tasks = list(activation.tasks.order_by("order"))
    assert [t.title for t in tasks] == ["通知园区管委会", "派出危化品处置车"]
    assert tasks[0].responsible == "消防 · 现场指挥部"
    assert before + dt.timedelta(minutes=10) <= tasks[0].due_at <= timezone.now() + dt.timedelta(minutes=10)
    assert TimelineEntry.objects.filter(incident=incident, kind="plan.activated").count() == 1
    types = list(Event.objects.order_by("seq").values_list("type", flat=True))
    assert types[-3:] == ["activation.created", "task.created", "task.created"]
    created = Event.objects.filter(type="task.created").last()
    assert created.payload["incident"]["id"] == incident.pk and "console" in created.audiences


def test_activation_defers_one_overdue_job_per_task_at_its_due_time(plan, incident, commander):
    activation = services.plan_activate(actor=commander, incident_id=incident.pk, plan_id=plan.pk, level="IV")
    jobs = ProcrastinateJob.objects.filter(task_name="plans.flag_overdue_task", args__task_id__in=list(
        activation.tasks.values_list("pk", flat=True)))
    by_task = {job.args["task_id"]: job for job in jobs}
    for task in activation.tasks.all():
        assert by_task[task.pk].scheduled_at == task.due_at
        assert by_task[task.pk].status == "todo"


def test_raising_the_level_adds_only_new_tasks(plan, incident, commander):
    services.plan_activate(actor=commander, incident_id=incident.pk, plan_id=plan.pk, level="IV")
    activation = services.plan_activate(actor=commander, incident_id=incident.pk, plan_id=plan.pk, level="III")
    titles = sorted(activation.tasks.values_list("title", flat=True))
    # "通知园区管委会" is in both levels: one task, not two.
    assert titles == sorted(["通知园区管委会", "派出危化品处置车", "设置警戒区", "疏散下风向群众"])
    assert activation.level == "III"
    assert Activation.objects.filter(incident=incident).count() == 1
    assert TimelineEntry.objects.filter(incident=incident, kind="plan.level_raised").count() == 1
    services.activation_raise(actor=commander, activation_id=activation.pk, level="II")
    assert activation.tasks.count() == 5


def test_same_or_lower_level_again_is_refused(plan, incident, commander):
    services.plan_activate(actor=commander, incident_id=incident.pk, plan_id=plan.pk, level="III")
    for level in ("III", "IV"):
        with pytest.raises(DomainError) as err:
            services.plan_activate(actor=commander, incident_id=incident.pk, plan_id=plan.pk, level=level)
        assert err.value.status == 409 and "higher level" in err.value.message
    assert Task.objects.count() == 3


def test_unpublished_plan_is_refused_and_nothing_is_written(hazmat_type, incident, commander):
    draft = make_plan(code="DRAFT-T", status=Plan.Status.DRAFT, types=[hazmat_type])
    events, jobs = Event.objects.count(), ProcrastinateJob.objects.count()
    with pytest.raises(DomainError) as err:
        services.plan_activate(actor=commander, incident_id=incident.pk, plan_id=draft.pk, level="IV")
    assert "only a published plan" in err.value.message
    assert not Activation.objects.exists() and Event.objects.count() == events
    # procrastinate's tables are not flushed between tests: compare counts.
    assert ProcrastinateJob.objects.count() == jobs


def test_level_the_plan_lacks_is_refused(plan, incident, commander):
    with pytest.raises(DomainError) as err:
        services.plan_activate(actor=commander, incident_id=incident.pk, plan_id=plan.pk, level="I")
    assert err.value.status == 400 and "no level Ⅰ" in err.value.message
    with pytest.raises(DomainError):
        services.plan_activate(actor=commander, incident_id=incident.pk, plan_id=plan.pk, level="V")
    assert not Activation.objects.exists()


def test_only_commanders_activate(plan, incident, dispatcher, duty_officer, planner):
    for user in (dispatcher, duty_officer, planner):
        with pytest.raises(DomainError) as err:
            services.plan_activate(actor=user, incident_id=incident.pk, plan_id=plan.pk, level="IV")
        assert err.value.status == 403
    assert not Activation.objects.exists()


def test_done_records_who_and_when_once(plan, incident, commander, duty_officer, viewer):
    activation = services.plan_activate(actor=commander, incident_id=incident.pk, plan_id=plan.pk, level="IV")
    task = activation.tasks.first()
    with pytest.raises(DomainError) as err:
        services.task_done(actor=viewer, task_id=task.pk)
    assert err.value.status == 403
    services.task_done(actor=duty_officer, task_id=task.pk)
    task.refresh_from_db()
    assert task.status == "done" and task.done_by == duty_officer and task.done_at is not None
    entry = TimelineEntry.objects.get(incident=incident, kind="task.done")
    assert entry.actor == duty_officer and task.title in entry.text
    with pytest.raises(DomainError) as err:
        services.task_done(actor=commander, task_id=task.pk)
    assert err.value.status == 409 and "already done" in err.value.message


def test_overdue_job_flags_an_open_task_once_and_skips_done_ones(plan, incident, commander, duty_officer):
    activation = services.plan_activate(actor=commander, incident_id=incident.pk, plan_id=plan.pk, level="IV")
    open_task, done_task = activation.tasks.order_by("order")
    services.task_done(actor=duty_officer, task_id=done_task.pk)
    Task.objects.filter(pk__in=[open_task.pk, done_task.pk]).update(due_at=timezone.now() - dt.timedelta(minutes=1))
    from plans.tasks import flag_overdue_task

    flag_overdue_task(task_id=open_task.pk)
    flag_overdue_task(task_id=open_task.pk)
    flag_overdue_task(task_id=done_task.pk)
    open_task.refresh_from_db()
    assert open_task.overdue_at is not None and open_task.is_overdue()
    assert TimelineEntry.objects.filter(incident=incident, kind="task.overdue").count() == 1
    event = Event.objects.filter(type="task.updated", payload__id=open_task.pk).last()
    assert event.payload["overdue"] is True and "duty" in event.audiences
    done_task.refresh_from_db()
    assert done_task.overdue_at is None


def test_overdue_job_woken_early_waits_for_the_due_time(plan, incident, commander):
    activation = services.plan_activate(actor=commander, incident_id=incident.pk, plan_id=plan.pk, level="IV")
    task = activation.tasks.first()
    assert services.task_flag_overdue(task_id=task.pk) is None
    task.refresh_from_db()
    assert task.overdue_at is None
    assert ProcrastinateJob.objects.filter(args__task_id=task.pk).count() == 2


def test_ending_the_response_closes_open_tasks_with_the_reason(plan, incident, commander, duty_officer):
    activation = services.plan_activate(actor=commander, incident_id=incident.pk, plan_id=plan.pk, level="IV")
    first, second = activation.tasks.order_by("order")
    services.task_done(actor=duty_officer, task_id=first.pk)
    with pytest.raises(DomainError):
        services.activation_end(actor=commander, activation_id=activation.pk, reason="  ")
    services.activation_end(actor=commander, activation_id=activation.pk, reason="泄漏已控制")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "done"
    assert second.status == "closed" and second.closed_reason == "泄漏已控制"
    entry = TimelineEntry.objects.get(incident=incident, kind="plan.ended")
    assert "泄漏已控制" in entry.text
    with pytest.raises(DomainError) as err:
        services.task_done(actor=duty_officer, task_id=second.pk)
    assert err.value.status == 409
    # Ended: the plan can be activated again later as a new response.
    again = services.plan_activate(actor=commander, incident_id=incident.pk, plan_id=plan.pk, level="IV")
    assert again.pk != activation.pk


def test_worker_runs_the_overdue_job_against_the_database(plan, incident, commander, transactional_db):
    activation = services.plan_activate(actor=commander, incident_id=incident.pk, plan_id=plan.pk, level="IV")
    task = activation.tasks.first()
    past = timezone.now() - dt.timedelta(seconds=1)
    Task.objects.filter(pk=task.pk).update(due_at=past)
    ProcrastinateJob.objects.filter(args__task_id=task.pk).update(scheduled_at=past)
    _run_worker_until_idle()
    task.refresh_from_db()
    assert task.overdue_at is not None
    assert ProcrastinateJob.objects.get(args__task_id=task.pk).status == "succeeded"


def _run_worker_until_idle():
    """The real worker, in its own thread: a browser test earlier in the session may have left
    Playwright's event loop running in the main thread, where asyncio.run() is refused."""
    import threading

    from procrastinate.contrib.django import app

    failures = []

    def work():
        try:
            with app.replace_connector(app.connector.get_worker_connector()) as worker_app:
                worker_app.run_worker(wait=False, queues=["plans"], install_signal_handlers=False,
                                      listen_notify=False)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            failures.append(exc)
        finally:
            from django.db import connections

            connections.close_all()

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    if failures:
        raise failures[0]
