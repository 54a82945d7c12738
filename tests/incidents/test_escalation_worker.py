"""Escalation through the real procrastinate worker on the real database."""

import pytest
from procrastinate.contrib.django import app

from core.models import Event
from incidents import services

from .conftest import LAT, LON

pytestmark = pytest.mark.django_db(transaction=True)


def _run_worker_until_idle():
    connector = app.connector.get_worker_connector()
    with app.replace_connector(connector) as worker_app:
        worker_app.run_worker(queues=["escalations"], wait=False, install_signal_handlers=False,
                              listen_notify=False)


def test_unacknowledged_assignment_escalates_by_itself(settings, make_unit, dispatcher, duty_officer, fire_type):
    settings.ESCALATION_TIMEOUT_S = 0  # due at once, so the worker takes it on its first pass
    settings.ESCALATION_MAX_ROUNDS = 1
    incident = services.incident_log(actor=duty_officer, type_code="fire", severity="III", lon=LON, lat=LAT)
    unit = make_unit("ESC", responder="esc")
    [assignment] = services.assignment_create(actor=dispatcher, incident_id=incident.pk, resource_ids=[unit.pk])

    _run_worker_until_idle()

    assignment.refresh_from_db()
    assert assignment.escalations == 1
    escalated = Event.objects.get(type="assignment.escalated")
    assert f"unit:{unit.pk}" in escalated.audiences and escalated.payload["id"] == assignment.pk
    assert incident.timeline.filter(kind="escalated").count() == 1


def test_acknowledged_assignment_does_not_escalate(settings, make_unit, dispatcher, duty_officer, fire_type):
    settings.ESCALATION_TIMEOUT_S = 0
    incident = services.incident_log(actor=duty_officer, type_code="fire", severity="III", lon=LON, lat=LAT)
    unit = make_unit("ACK", responder="ack")
    [assignment] = services.assignment_create(actor=dispatcher, incident_id=incident.pk, resource_ids=[unit.pk])
    services.assignment_acknowledge(actor=unit.responders.get().user, assignment_id=assignment.pk)

    _run_worker_until_idle()

    assert not Event.objects.filter(type="assignment.escalated").exists()
    assert not incident.timeline.filter(kind="escalated").exists()


def test_a_rolled_back_dispatch_leaves_no_escalation_job(make_unit, dispatcher, duty_officer, fire_type):
    from django.db import transaction
    from procrastinate.contrib.django.models import ProcrastinateJob

    incident = services.incident_log(actor=duty_officer, type_code="fire", severity="III", lon=LON, lat=LAT)
    unit = make_unit("RB")
    # procrastinate's tables are not Django-managed, so earlier tests' jobs may remain: count.
    before = ProcrastinateJob.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.assignment_create(actor=dispatcher, incident_id=incident.pk, resource_ids=[unit.pk])
        raise RuntimeError("the caller's transaction failed later")
    assert ProcrastinateJob.objects.count() == before
