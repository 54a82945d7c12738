"""The ledger's durable jobs through the real procrastinate worker on the real database."""

import datetime as dt

import pytest
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
    # Imported from the enterprise's own system already past its deadline: due at once.
    services.hidden_dangers_import(actor=park["officer1"], enterprise_id=park["e1"].pk, rows=[
        {"external_id": "OLD-1", "title": "Corroded pipe support", "level": "major",
         "deadline": timezone.now() - dt.timedelta(hours=1)},
        {"external_id": "NEW-1", "title": "Missing sign", "deadline": timezone.now() + dt.timedelta(days=3)}])
    _run_worker_until_idle()
    old = HiddenDanger.objects.get(external_id="OLD-1")
    assert old.overdue_flagged_at is not None and old.steps.filter(action="overdue").count() == 1
    overdue = Event.objects.filter(type="hidden_danger.overdue")
    assert [e.payload["id"] for e in overdue] == [old.pk]
    assert "console" in overdue.get().audiences  # a major one rings every console
    assert HiddenDanger.objects.get(external_id="NEW-1").overdue_flagged_at is None  # not due yet


def test_closed_before_the_deadline_is_never_flagged(park):
    hd = services.hidden_danger_report(actor=park["officer1"], enterprise_id=park["e1"].pk, title="t",
                                       deadline=timezone.now() - dt.timedelta(minutes=1), allow_past_deadline=True)
    services.hidden_danger_plan(actor=park["officer1"], hidden_danger_id=hd.pk, measures="m")
    services.hidden_danger_rectified(actor=park["officer1"], hidden_danger_id=hd.pk)
    services.hidden_danger_verify(actor=park["supervisor"], hidden_danger_id=hd.pk, accepted=True)
    _run_worker_until_idle()
    assert not Event.objects.filter(type="hidden_danger.overdue").exists()
