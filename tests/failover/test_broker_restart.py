"""Issue 26, point 4: a restart of the MQTT broker loses no reading.

The park's Mosquitto runs with persistence (scripts/bootstrap.sh writes `persistence true`);
the ingesters hold persistent sessions (clean start off, a session expiry) and subscribe with
QoS 1, acknowledging a message only after its batch committed. So readings published while
every ingester is away wait in the broker, are written to its persistence file when it stops,
and are delivered after it starts again. (Losing Redis loses nothing either: it only rings
doorbells and counts failed logins; see docs/operations.md, "Database failover and backups".)
"""

import datetime as dt

import pytest

from tests.monitoring.conftest import Broker, IngesterThread, Publisher, readings_count, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


class PersistentBroker(Broker):
    """Mosquitto configured as bootstrap.sh configures the park's broker: persistence on."""

    def __init__(self):
        super().__init__()
        self.conf.write_text(f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence true\n"
                             f"persistence_location {self.dir}/\nmax_queued_messages 100000\n"
                             f"log_dest file {self.dir / 'mosquitto.log'}\n")


def test_readings_queued_in_the_broker_survive_its_restart_and_are_stored_once(make_point, prefix):
    point = make_point("PERSIST")
    broker = PersistentBroker()
    broker.start()
    options = {"url": broker.url, "prefix": prefix, "group": "ingest", "client_id": "ing-persist",
               "batch_wait_s": 0.02, "offline_check_s": 3600, "backoff_max_s": 1}
    try:
        # The ingester's session (its shared subscription) is known to the broker, then it leaves.
        IngesterThread(**options).start().stop()
        base = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=10)
        publisher = Publisher(broker.port)
        n = 300
        infos = [publisher.publish(f"{prefix}/points/PERSIST", {"ts": (base + dt.timedelta(seconds=i)).isoformat(),
                                                                "value": i % 10}, wait=False) for i in range(n)]
        for info in infos:
            info.wait_for_publish(30)  # the broker acknowledged each (QoS 1): from here on it is the broker's
        publisher.close()
        assert readings_count(point.pk) == 0
        broker.stop()  # SIGTERM: Mosquitto writes its sessions and queued messages to disk
        broker.start()
        again = IngesterThread(**options).start()
        try:
            wait_until(lambda: readings_count(point.pk) >= n, what=f"the {n} queued readings stored")
            assert readings_count(point.pk) == n
        finally:
            again.stop()
    finally:
        broker.stop()
