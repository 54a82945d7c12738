"""monitoring.mqtt_adapter: the fence around aiomqtt's and paho's internals (issue 20). The
version check, each path end to end against a real broker and database, and a contract test of
every internal the fast path touches: it fails if an upgrade changes one."""

import asyncio
import inspect
import time

import aiomqtt
import paho.mqtt.client as paho_client
import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from monitoring import mqtt_adapter
from monitoring.models import Alarm
from tests.monitoring.conftest import readings_count, wait_until


def test_the_fast_path_only_in_the_tested_versions():
    assert mqtt_adapter.check()  # what is installed is what pyproject pins and the tests run
    ok = {"aiomqtt": "2.5.1", "paho-mqtt": "2.2.0"}
    assert mqtt_adapter.check(ok)
    assert mqtt_adapter.check({**ok, "aiomqtt": "2.3.0rc1"})
    assert not mqtt_adapter.check({**ok, "aiomqtt": "2.6.0"})
    assert not mqtt_adapter.check({**ok, "aiomqtt": "3.0"})
    assert not mqtt_adapter.check({**ok, "paho-mqtt": "2.0.0"})
    assert not mqtt_adapter.check({**ok, "paho-mqtt": "2.3.1"})


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fast", [True, False], ids=["fast-path", "public-api"])
def test_each_path_ingests_both_shapes_and_raises_alarms(fast, make_point, start_ingester, publisher, prefix,
                                                         make_device):
    point = make_point("PATH1", delay_s=0)
    make_point("PATH2")
    make_device("gw", points=["PATH2"])  # a gateway batch comes from a registered gateway (issue 20)
    ingester = start_ingester(fast=fast, batch_size=20)
    assert ingester.ingester.fast is fast
    now_ms = int(time.time() * 1000)
    for i in range(200):
        publisher.publish(f"{prefix}/points/PATH1", {"ts": now_ms - 60_000 + i * 100, "value": 1}, wait=False)
    publisher.publish(f"{prefix}/gateways/gw", [{"point": "PATH2", "ts": now_ms - 1000 - i, "value": 2}
                                                for i in range(50)])
    publisher.publish(f"{prefix}/points/PATH1", {"ts": now_ms, "value": 45})
    wait_until(lambda: readings_count() == 251, what="every reading stored")
    wait_until(lambda: Alarm.objects.filter(point=point, level="hh").exists(), what="the HH alarm")
    assert ingester.counters.messages == 202


# --- contract: each internal the fast path uses ------------------------------------------

def test_aiomqtt_internals_the_fast_path_uses():
    async def build():
        client = aiomqtt.Client("127.0.0.1", 1, identifier="contract", protocol=aiomqtt.ProtocolVersion.V5)
        assert isinstance(client._client, paho_client.Client)
        assert isinstance(client._queue, asyncio.Queue)
        assert isinstance(client._disconnected, asyncio.Future)
        assert client._loop is asyncio.get_running_loop()
        # aiomqtt registers its reader in on_socket_open, which we wrap.
        assert callable(client._client.on_socket_open)
        assert "add_reader" in inspect.getsource(type(client)._on_socket_open)
        # Messages are put on _queue by its on_message.
        assert "_queue.put_nowait" in inspect.getsource(type(client)._on_message)
        assert hasattr(type(client.messages), "__len__")

    asyncio.run(build())


def test_paho_internals_the_fast_path_uses():
    client = paho_client.Client(paho_client.CallbackAPIVersion.VERSION2, protocol=paho_client.MQTTv5)
    for name in ("manual_ack_set", "ack", "loop_read"):
        assert callable(getattr(client, name))
    assert hasattr(client, "_sock")
    params = list(inspect.signature(client._packet_queue).parameters)
    assert params[:4] == ["command", "packet", "mid", "qos"]
    # paho reads its socket through recv (the buffered socket answers it, BlockingIOError when empty).
    assert "recv(" in inspect.getsource(paho_client.Client._sock_recv)
    props = Properties(PacketTypes.PUBLISH)
    for name in ("packetType", "types", "names", "properties"):
        assert name in props.__dict__
    assert "self.types" in inspect.getsource(Properties.__init__) or getattr(Properties, "_tables_shared", False)
