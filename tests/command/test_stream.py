import threading
import time

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection, transaction

import stream
from core.models import Event

# Transport tests: real event types with stand-in payloads (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("stand_in_payloads")


def _bells_until(layer, channel, seq: int) -> list[dict]:
    """The hubs' group is shared by every commit of this process: doorbells of earlier tests'
    commits (lower seqs) may still be on their way, or merged into ours by the bell ringer
    (their audiences added). Everything received up to and including the first doorbell at or
    past `seq`."""
    received = []
    while not received or received[-1].get("seq", 0) < seq:
        received.append(async_to_sync(layer.receive)(channel))
    return received


@pytest.mark.django_db(transaction=True)
def test_emit_outside_transaction_is_refused():
    with pytest.raises(RuntimeError):
        stream.emit(audiences=["console"], type="x.y", payload={})


@pytest.mark.django_db(transaction=True)
def test_committed_event_is_stored_and_rings_the_hubs_doorbell_on_redis():
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(stream.HUB_GROUP, channel)
    with transaction.atomic():
        event = stream.emit(audiences=["unit:7", "console"], type="assignment.created", payload={"id": 1})
    message = _bells_until(layer, channel, event.seq)[-1]
    assert (message["type"], message["seq"]) == ("stream.doorbell", event.seq)
    assert {"console", "unit:7"} <= set(message["audiences"])
    stored = Event.objects.get(seq=event.seq)
    assert stored.audiences == ["console", "unit:7"]
    assert stored.as_frame()["type"] == "assignment.created"


@pytest.mark.django_db(transaction=True)
def test_rolled_back_event_leaves_no_row_and_no_doorbell():
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(stream.HUB_GROUP, channel)
    with pytest.raises(RuntimeError), transaction.atomic():
        stream.emit(audiences=["unit:8"], type="assignment.created", payload={"id": 2})
        raise RuntimeError("the service failed after emitting")
    assert not Event.objects.filter(type="assignment.created").exists()
    # Up to a marker sent afterwards, no doorbell names unit:8 (doorbells of earlier tests'
    # commits may still arrive: the hubs' group is shared by the whole process).
    async_to_sync(layer.group_send)(stream.HUB_GROUP, {"type": "marker"})
    received = [async_to_sync(layer.receive)(channel)]
    while received[-1]["type"] != "marker":
        received.append(async_to_sync(layer.receive)(channel))
    assert not [bell for bell in received[:-1] if "unit:8" in bell["audiences"]]


@pytest.mark.django_db(transaction=True)
def test_events_since_filters_by_audience_and_orders_by_seq():
    with transaction.atomic():
        a = stream.emit(audiences=["unit:1"], type="t.a", payload={})
        stream.emit(audiences=["unit:2"], type="t.b", payload={})
        c = stream.emit(audiences=["console", "unit:1"], type="t.c", payload={})
    seen = stream.events_since(since=0, audiences=["unit:1"])
    assert [e.seq for e in seen] == [a.seq, c.seq]
    assert stream.events_since(since=a.seq, audiences=["unit:1"])[0].seq == c.seq


@pytest.mark.django_db(transaction=True)
def test_seq_becomes_visible_in_commit_order():
    """A transaction that draws a seq and commits late must not let a later seq be seen first."""
    first_emitted = threading.Event()
    results = {}

    def slow_writer():
        with transaction.atomic():
            results["slow"] = stream.emit(audiences=["console"], type="t.slow", payload={}).seq
            first_emitted.set()
            time.sleep(0.5)
        connection.close()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    first_emitted.wait(5)
    started = time.monotonic()
    with transaction.atomic():
        fast = stream.emit(audiences=["console"], type="t.fast", payload={}).seq
    waited = time.monotonic() - started
    thread.join()
    # The second writer waited for the first to commit, and drew the higher number.
    assert fast > results["slow"]
    assert waited > 0.2


@pytest.mark.django_db(transaction=True)
def test_doorbells_are_batched_per_transaction_and_survive_an_earlier_rollback():
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(stream.HUB_GROUP, channel)
    with pytest.raises(RuntimeError), transaction.atomic():
        stream.emit(audiences=["unit:9"], type="t.rolled_back", payload={})
        raise RuntimeError("rollback")
    with transaction.atomic():
        stream.emit(audiences=["unit:9"], type="t.one", payload={})
        last = stream.emit(audiences=["console", "unit:9"], type="t.two", payload={}).seq
    # One doorbell for the transaction, carrying its highest seq and every audience it touched.
    *before, bell = _bells_until(layer, channel, last)
    assert (bell["seq"], {"console", "unit:9"} <= set(bell["audiences"])) == (last, True)
    assert not [b for b in before if "unit:9" in b["audiences"]]
    async_to_sync(layer.group_send)(stream.HUB_GROUP, {"type": "marker"})
    assert async_to_sync(layer.receive)(channel) == {"type": "marker"}


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_savepoint_does_not_silence_the_rest_of_the_transaction():
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(stream.HUB_GROUP, channel)
    with transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            stream.emit(audiences=["unit:10"], type="t.inner", payload={})
            raise RuntimeError("inner rollback")
        kept = stream.emit(audiences=["unit:10"], type="t.outer", payload={}).seq
    bell = _bells_until(layer, channel, kept)[-1]
    assert (bell["seq"], "unit:10" in bell["audiences"]) == (kept, True)


@pytest.mark.django_db(transaction=True)
def test_emit_many_draws_consecutive_seqs_in_order_and_rings_once():
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(stream.HUB_GROUP, channel)
    with transaction.atomic():
        batch = stream.emit_many([(["unit:11"], "assignment.created", {"n": 0}),
                                  (["console"], "resource.updated", {"n": 1}),
                                  (["console", "duty"], "incident.updated", {"n": 2})])
    seqs = [e.seq for e in batch]
    assert seqs == list(range(seqs[0], seqs[0] + 3))
    stored = list(Event.objects.filter(seq__in=seqs).order_by("seq").values_list("type", "payload"))
    assert stored == [("assignment.created", {"n": 0}), ("resource.updated", {"n": 1}),
                      ("incident.updated", {"n": 2})]
    *before, bell = _bells_until(layer, channel, seqs[-1])
    assert (bell["seq"], {"console", "duty", "unit:11"} <= set(bell["audiences"])) == (seqs[-1], True)
    assert not [b for b in before if "unit:11" in b["audiences"]]  # one doorbell for the three events


@pytest.mark.django_db(transaction=True)
def test_dispatch_query_budget_does_not_grow_with_the_units(make_user):
    """Issue 15: dispatch batches its rows. The budget: BEGIN, lock the units (drawing the new
    assignments' ids) and then the incident in one statement, one statement for the assignments,
    the units, the incident, their history rows, the timeline entry, the escalation jobs and the
    events, COMMIT."""
    from django.contrib.gis.geos import Point
    from django.test.utils import CaptureQueriesContext

    from incidents import services
    from incidents.models import Assignment, IncidentType
    from resources.models import Agency, Resource

    IncidentType.objects.create(code="fire", klass="accident", name_zh="火灾", name_en="Fire",
                                required_capabilities=["fire_suppression"])
    agency = Agency.objects.create(code="Q", name="Q")
    units = [Resource.objects.create(code=f"Q{i}", name=f"Q{i}", kind="fire_engine", agency=agency,
                                     capabilities=["fire_suppression"], location=Point(113.6, 22.75, srid=4326))
             for i in range(4)]
    boss = make_user("budget_boss", "dispatcher")
    boss.groups.all()  # roles are cached on the user by the first check below
    incident = services.incident_log(actor=boss, type_code="fire", severity="IV", lon=113.6, lat=22.75)
    first = services.assignment_create(actor=boss, incident_id=incident.pk, resource_ids=[units[0].pk])
    # The first dispatch moved the reported incident on, with its history row naming the dispatcher.
    incident.refresh_from_db()
    assert incident.status == "dispatched"
    latest = incident.history.latest("history_date")
    assert (latest.status, latest.history_user, latest.history_type) == ("dispatched", boss, "~")
    assert first[0].history.get().history_type == "+"
    for ids in ([units[1].pk], [units[2].pk, units[3].pk]):
        with CaptureQueriesContext(connection) as queries:
            created = services.assignment_create(actor=boss, incident_id=incident.pk, resource_ids=ids)
        assert len(created) == len(ids)
        assert len(queries.captured_queries) == 4, [q["sql"][:90] for q in queries.captured_queries]
    # Every guarantee kept: history names the dispatcher, one job per assignment, events in order.
    from procrastinate.contrib.django.models import ProcrastinateJob

    for assignment in created:
        assert assignment.history.get().history_user == boss
        [job] = ProcrastinateJob.objects.filter(args__assignment_id=assignment.pk)
        assert (job.queue_name, job.task_name, job.status) == ("escalations", "incidents.escalate_unacknowledged", "todo")
        assert job.scheduled_at > assignment.created_at  # deferred by ESCALATION_TIMEOUT_S, not due at once
    unit_history = Resource.history.filter(id=units[3].pk).latest("history_date")
    assert (unit_history.status, unit_history.history_user, unit_history.history_type) == ("dispatched", boss, "~")
    assert unit_history.name == units[3].name and unit_history.location == units[3].location  # a full copy
    assert list(incident.timeline.filter(kind="dispatch").order_by("id").values_list("actor", "data__resources")) == [
        (boss.pk, [units[0].pk]), (boss.pk, [units[1].pk]), (boss.pk, [units[2].pk, units[3].pk])]
    types = list(Event.objects.order_by("-seq").values_list("type", flat=True)[:5])[::-1]
    assert types == ["assignment.created", "resource.updated", "assignment.created", "resource.updated",
                     "incident.updated"]
    assert Assignment.objects.filter(incident=incident).count() == 4
