import threading
import time

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection, transaction

from core import stream
from core.models import Event


@pytest.mark.django_db(transaction=True)
def test_emit_outside_transaction_is_refused():
    with pytest.raises(RuntimeError):
        stream.emit(audiences=["console"], type="x.y", payload={})


@pytest.mark.django_db(transaction=True)
def test_committed_event_is_stored_and_rings_the_doorbell_on_redis():
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(stream.group_name("unit:7"), channel)
    with transaction.atomic():
        event = stream.emit(audiences=["unit:7", "console"], type="assignment.created", payload={"id": 1})
    message = async_to_sync(layer.receive)(channel)
    assert message == {"type": "stream.doorbell", "seq": event.seq}
    stored = Event.objects.get(seq=event.seq)
    assert stored.audiences == ["console", "unit:7"]
    assert stored.as_frame()["type"] == "assignment.created"


@pytest.mark.django_db(transaction=True)
def test_rolled_back_event_leaves_no_row_and_no_doorbell():
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(stream.group_name("unit:8"), channel)
    with pytest.raises(RuntimeError), transaction.atomic():
        stream.emit(audiences=["unit:8"], type="assignment.created", payload={"id": 2})
        raise RuntimeError("the service failed after emitting")
    assert not Event.objects.filter(type="assignment.created").exists()
    # A marker sent afterwards is the first thing the channel receives: no doorbell came.
    async_to_sync(layer.group_send)(stream.group_name("unit:8"), {"type": "marker"})
    assert async_to_sync(layer.receive)(channel) == {"type": "marker"}


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
    async_to_sync(layer.group_add)(stream.group_name("unit:9"), channel)
    with pytest.raises(RuntimeError), transaction.atomic():
        stream.emit(audiences=["unit:9"], type="t.rolled_back", payload={})
        raise RuntimeError("rollback")
    with transaction.atomic():
        stream.emit(audiences=["unit:9"], type="t.one", payload={})
        last = stream.emit(audiences=["unit:9"], type="t.two", payload={}).seq
    # One doorbell for the transaction, carrying its highest seq.
    assert async_to_sync(layer.receive)(channel) == {"type": "stream.doorbell", "seq": last}
    async_to_sync(layer.group_send)(stream.group_name("unit:9"), {"type": "marker"})
    assert async_to_sync(layer.receive)(channel) == {"type": "marker"}


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_savepoint_does_not_silence_the_rest_of_the_transaction():
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(stream.group_name("unit:10"), channel)
    with transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            stream.emit(audiences=["unit:10"], type="t.inner", payload={})
            raise RuntimeError("inner rollback")
        kept = stream.emit(audiences=["unit:10"], type="t.outer", payload={}).seq
    assert async_to_sync(layer.receive)(channel) == {"type": "stream.doorbell", "seq": kept}
