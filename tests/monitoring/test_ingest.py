"""The MQTT ingester against a real Mosquitto and PostGIS: stored once, split between
ingesters with exactly one alarm, nothing lost while down, reconnecting after a broker restart,
and bad input kept as dead letters without stopping anything."""

import datetime as dt
import json

import pytest

from monitoring.models import Alarm, DeadLetter, Reading
from tests.monitoring.conftest import Broker, Publisher, readings_count, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def ts(second: float) -> str:
    base = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=10)
    return (base + dt.timedelta(seconds=second)).isoformat()


def test_a_reading_published_twice_with_qos1_is_stored_once(make_point, start_ingester, publisher, prefix):
    point = make_point("TANK1")
    ingester = start_ingester()
    message = {"ts": ts(0), "value": 3.25}
    publisher.publish(f"{prefix}/points/TANK1", message)
    publisher.publish(f"{prefix}/points/TANK1", message)  # a QoS 1 resend: same point, same ts
    wait_until(lambda: ingester.counters.messages >= 2, what="both messages processed")
    assert readings_count(point.pk) == 1
    assert ingester.counters.duplicates == 1
    point.refresh_from_db()
    assert point.last_value == 3.25


def test_gateway_batches_with_epoch_ms_and_iso_timestamps(make_point, start_ingester, publisher, prefix, make_device):
    make_point("A1")
    make_point("A2")
    make_device("gw-7", points=["A1", "A2"])
    ingester = start_ingester()
    now_ms = int(dt.datetime.now(dt.UTC).timestamp() * 1000)
    publisher.publish(f"{prefix}/gateways/gw-7", [
        {"point": "A1", "ts": now_ms - 2000, "value": 1},
        {"point": "A2", "ts": ts(1), "value": 2, "quality": "good"},
        {"point": "A1", "ts": now_ms - 1000, "value": 1.5},
    ])
    wait_until(lambda: ingester.counters.messages >= 1, what="gateway batch processed")
    assert readings_count() == 3


BAD = [
    (b"{not json", "Malformed JSON"),
    (b'{"ts": 1, "value": NaN}', "Malformed JSON"),
    (json.dumps({"ts": "2026-01-01T00:00:00", "value": 1}).encode(), "UTC offset"),
    (json.dumps({"ts": "3026-01-01T00:00:00+00:00", "value": 1}).encode(), "future"),
    (json.dumps({"ts": "2001-01-01T00:00:00+00:00", "value": 1}).encode(), "too old"),
    (json.dumps({"ts": "now", "value": 1}).encode(), "ISO 8601"),
    (json.dumps({"value": 1}).encode(), "required"),
    (json.dumps({"ts": 1, "value": "12.5"}).encode(), "number"),
    (json.dumps({"ts": 1, "value": 1, "quality": "ok"}).encode(), "quality"),
    (json.dumps({"ts": 1, "value": 1, "colour": "red"}).encode(), "Unknown field"),
    (json.dumps([1, 2]).encode(), "JSON object"),
]


def test_bad_input_becomes_dead_letters_and_ingestion_goes_on(make_point, start_ingester, publisher, prefix, settings,
                                                              make_device):
    point = make_point("P1")
    make_device("gw", points=["P1"])
    ingester = start_ingester()
    for payload, _reason in BAD:
        publisher.publish(f"{prefix}/points/P1", payload)
    publisher.publish(f"{prefix}/points/NOSUCH", {"ts": ts(0), "value": 1})
    publisher.publish(f"{prefix}/points/P1", b"x" * (settings.MONITORING_MAX_PAYLOAD_BYTES + 1))
    publisher.publish(f"{prefix}/gateways/gw", [{"point": "P1", "ts": ts(1), "value": 7}, {"point": "P1"}] )
    publisher.publish(f"{prefix}/points/P1", {"ts": ts(2), "value": 8})  # and a good one after all that
    total = len(BAD) + 4
    wait_until(lambda: ingester.counters.messages >= total, what="every message processed")
    reasons = list(DeadLetter.objects.order_by("id").values_list("reason", flat=True))
    assert len(reasons) == len(BAD) + 3
    for (_payload, expected), reason in zip(BAD, reasons, strict=False):
        assert expected in reason
    assert any("unknown point 'NOSUCH'" in r for r in reasons)
    assert any("over the limit" in r for r in reasons)
    assert any(r.startswith("[1]") for r in reasons)
    assert sorted(Reading.objects.filter(point_id=point.pk).values_list("value", flat=True)) == [7, 8]


def test_two_ingesters_share_the_load_and_raise_exactly_one_alarm(make_point, start_ingester, publisher, prefix):
    point = make_point("SHARED", delay_s=3, limit_h=20, limit_hh=40)
    first = start_ingester(client_id="ing-a", batch_size=7)
    second = start_ingester(client_id="ing-b", batch_size=7)
    n = 400
    for i in range(n):
        # Below the limit, then above H for a long stretch: one condition, one alarm.
        value = 5 if i < 50 else 25
        publisher.publish(f"{prefix}/points/SHARED", {"ts": ts(i * 0.5), "value": value}, wait=False)
    wait_until(lambda: first.counters.messages + second.counters.messages >= n, what="all messages processed")
    assert first.counters.messages > 0 and second.counters.messages > 0  # the broker split them
    assert readings_count(point.pk) == n  # each stored once
    assert list(Alarm.objects.filter(point=point).values_list("level", flat=True)) == ["h"]


def test_readings_published_while_the_ingester_is_down_are_stored_exactly_once(make_point, start_ingester,
                                                                              publisher, prefix):
    point = make_point("DOWN")
    ingester = start_ingester(client_id="ing-persistent")
    ingester.stop()  # the broker keeps its session: subscriptions, and messages from now on
    n = 1000
    infos = [publisher.publish(f"{prefix}/points/DOWN", {"ts": ts(i * 0.1), "value": i % 10}, wait=False)
             for i in range(n)]
    for info in infos:
        info.wait_for_publish(30)
    again = start_ingester(client_id="ing-persistent")
    wait_until(lambda: readings_count(point.pk) >= n, what="the stored readings to reach 1,000")
    wait_until(lambda: again.counters.messages >= n, what="every queued message delivered")
    assert readings_count(point.pk) == n


def test_the_ingester_reconnects_by_itself_after_a_broker_restart(make_point, prefix):
    from tests.monitoring.conftest import IngesterThread

    point = make_point("RESTART")
    own = Broker()
    own.start()
    thread = IngesterThread(url=own.url, prefix=prefix, group="ingest", client_id="ing-restart",
                            batch_wait_s=0.02, offline_check_s=3600, backoff_max_s=1).start()
    try:
        pub = Publisher(own.port, username=Broker.HARNESS_USER, password=own.harness_password)
        pub.publish(f"{prefix}/points/RESTART", {"ts": ts(0), "value": 1})
        wait_until(lambda: readings_count(point.pk) == 1, what="the first reading")
        pub.close()
        own.stop()
        wait_until(lambda: not thread.ingester.connected.is_set(), what="the ingester to notice")
        own.start()
        wait_until(lambda: thread.ingester.connected.is_set(), what="the ingester to reconnect")
        assert thread.counters.connects >= 2
        pub = Publisher(own.port, username=Broker.HARNESS_USER, password=own.harness_password)
        pub.publish(f"{prefix}/points/RESTART", {"ts": ts(1), "value": 2})
        wait_until(lambda: readings_count(point.pk) == 2, what="a reading after the restart")
        pub.close()
    finally:
        thread.stop()
        own.stop()
