"""Issue 22, point 4: closing an incident with a plan running says so, ends the response,
and leaves no task to go overdue or to be carried into the shift handover."""

import datetime as dt

from django.test import Client
from django.utils import timezone

from incidents import services as incident_services
from incidents.models import TimelineEntry
from plans import services
from plans.models import Activation, DutyPost, Shift, Task


def test_closing_ends_the_running_response_and_its_tasks(plan, incident, commander, duty_officer, dispatcher):
    activation = services.plan_activate(actor=commander, incident_id=incident.pk, plan_id=plan.pk, level="IV")
    first, second = activation.tasks.order_by("order")
    services.task_done(actor=duty_officer, task_id=first.pk)

    # Before closing, the plans card says what closing will do.
    console = Client()
    console.force_login(commander)
    page = console.get(f"/incidents/{incident.pk}/").content.decode()
    assert f'data-closing-ends="{activation.pk}"' in page

    response = console.post(f"/incidents/{incident.pk}/change/", {"action": "status", "status": "closed"}, follow=True)
    incident.refresh_from_db()
    assert incident.status == "closed"
    # At closing, the page says the response ended and how many tasks closed.
    shown = [str(m) for m in response.context["messages"]]
    assert any("ended" in m and "1 open tasks closed" in m for m in shown), shown

    activation.refresh_from_db()
    second.refresh_from_db()
    assert activation.status == Activation.Status.ENDED and activation.ended_by == commander
    assert second.status == Task.Status.CLOSED and second.closed_reason
    assert TimelineEntry.objects.filter(incident=incident, kind="plan.ended").count() == 1

    # The overdue job, should it still run, flags nothing on a closed incident.
    Task.objects.filter(pk=second.pk).update(status=Task.Status.OPEN, due_at=timezone.now() - dt.timedelta(minutes=1))
    assert services.task_flag_overdue(task_id=second.pk) is None
    second.refresh_from_db()
    assert second.overdue_at is None

    # And the handover carries none of a closed incident's tasks (even one left open by hand).
    now = timezone.now()
    post = DutyPost.objects.create(code="OFF-T", name="值班员")
    Shift.objects.create(post=post, person=duty_officer, start=now - dt.timedelta(hours=7), end=now + dt.timedelta(hours=1))
    Shift.objects.create(post=post, person=dispatcher, start=now + dt.timedelta(hours=1), end=now + dt.timedelta(hours=9))
    handover = services.handover_create(actor=duty_officer, note="交班")
    assert handover.tasks.count() == 0


def test_closing_without_a_plan_running_says_nothing_more(incident, duty_officer):
    incident_services.incident_change_status(actor=duty_officer, incident_id=incident.pk, status="closed")
    assert not TimelineEntry.objects.filter(incident=incident, kind="plan.ended").exists()
