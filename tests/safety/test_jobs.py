"""The ledger's durable jobs through the real procrastinate worker on the real database."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone
from procrastinate.contrib.django import app

from core.models import Event
from safety import services
from safety.models import HiddenDanger

pytestmark = pytest.mark.django_db(transaction=True)


def _run_worker_until_idle():
    connector = app.connector.get_worker_connector()
    with app.replace_connector(connector) as worker_app:
        worker_app.run_worker(queues=["safety"], wait=False, install_signal_handlers=False, listen_notify=False)


def test_an_overdue_hidden_danger_is_flagged_by_the_worker(park):
    # Reported live with a deadline already passed (allowed to services, as imports were): the
    # worker flags it at once, and a major one rings every console.
    old = services.hidden_danger_report(actor=park["officer1"], enterprise_id=park["e1"].pk,
                                        title="Corroded pipe support", level="major",
                                        deadline=timezone.now() - dt.timedelta(hours=1), allow_past_deadline=True)
    fresh = services.hidden_danger_report(actor=park["officer1"], enterprise_id=park["e1"].pk, title="Missing sign",
                                          deadline=timezone.now() + dt.timedelta(days=3))
    _run_worker_until_idle()
    old.refresh_from_db()
    assert old.overdue_flagged_at is not None and old.steps.filter(action="overdue").count() == 1
    overdue = Event.objects.filter(type="hidden_danger.overdue")
    assert [e.payload["id"] for e in overdue] == [old.pk]
    assert "console" in overdue.get().audiences  # a major one rings every console
    fresh.refresh_from_db()
    assert fresh.overdue_flagged_at is None  # not due yet


def test_imported_history_does_not_ring_but_imported_future_deadlines_do(park):
    # Issue 22: 30 imported rows already past their deadline made 30 red console banners.
    rows = [{"external_id": f"OLD-{n}", "title": f"【指挥中心通知】立即疏散 {n}", "criteria": ["121-12"],
             "deadline": timezone.now() - dt.timedelta(days=2)} for n in range(30)]
    rows.append({"external_id": "SOON-1", "title": "Missing sign", "level": "major",
                 "deadline": timezone.now() + dt.timedelta(hours=1)})
    result = services.hidden_dangers_import(actor=park["officer1"], enterprise_id=park["e1"].pk, rows=rows)
    assert result == {"created": 31, "unchanged": 0, "overdue": 30, "major": 31}
    old = HiddenDanger.objects.filter(external_id__startswith="OLD-")
    assert all(hd.overdue_flagged_at and hd.overdue for hd in old)  # overdue all the same, on the ledger
    assert all([s.action for s in hd.steps.all()] == ["reported", "overdue"] for hd in old)
    imported = Event.objects.get(type="hidden_danger.imported")
    assert "console" not in imported.audiences and imported.payload["created"] == 31
    soon = HiddenDanger.objects.get(external_id="SOON-1")
    _run_worker_until_idle()
    assert soon.steps.filter(action="overdue").count() == 0  # its job waits for its deadline
    HiddenDanger.objects.filter(pk=soon.pk).update(deadline=timezone.now() - dt.timedelta(seconds=1))
    with connection.cursor() as cursor:  # the clock reaches the job's time
        cursor.execute("UPDATE procrastinate_jobs SET scheduled_at = now() WHERE status = 'todo'")
    _run_worker_until_idle()
    rang = Event.objects.filter(type="hidden_danger.overdue")
    # Only the row whose deadline passed under the park's eyes rings; the imported history never does.
    assert [e.payload["id"] for e in rang] == [soon.pk]
def test_closed_before_the_deadline_is_never_flagged(park):
    hd = services.hidden_danger_report(actor=park["officer1"], enterprise_id=park["e1"].pk, title="t",
                                       deadline=timezone.now() - dt.timedelta(minutes=1), allow_past_deadline=True)
    services.hidden_danger_plan(actor=park["officer1"], hidden_danger_id=hd.pk, measures="m")
    services.hidden_danger_rectified(actor=park["officer1"], hidden_danger_id=hd.pk)
    services.hidden_danger_verify(actor=park["supervisor"], hidden_danger_id=hd.pk, accepted=True)
    _run_worker_until_idle()
    assert not Event.objects.filter(type="hidden_danger.overdue").exists()
