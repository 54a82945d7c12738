"""Console pages of park monitoring: who may see them, and what they show."""

import datetime as dt

import pytest

from monitoring import store
from monitoring.models import Alarm
from monitoring.parsing import RawReading
from tests.conftest import PASSWORD


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


@pytest.fixture
def alarm(make_point):
    make_point("GAS1")
    base = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    store.readings_store(readings=[RawReading("GAS1", base + dt.timedelta(seconds=s), 30, True) for s in range(6)])
    return Alarm.objects.get()


@pytest.mark.parametrize("url", ["/monitoring/", "/monitoring/alarms/", "POINT"])
def test_console_roles_see_the_pages_others_do_not(client, alarm, viewer, outsider, make_user, url):
    url = f"/monitoring/points/{alarm.point_id}/" if url == "POINT" else url
    assert client.get(url).status_code == 302  # to the login page
    login(client, outsider)
    assert client.get(url).status_code == 403
    client.logout()
    login(client, make_user("crew_t", "responder"))
    assert client.get(url).status_code == 403
    client.logout()
    login(client, viewer)
    response = client.get(url)
    assert response.status_code == 200
    assert "GAS1" in response.content.decode()


def test_the_alarm_list_filters_and_every_console_page_carries_the_alarm_bar(client, alarm, duty_officer):
    login(client, duty_officer)
    page = client.get("/monitoring/alarms/?state=open&level=h").content.decode()
    assert f'data-alarm-row="{alarm.pk}"' in page
    assert f'data-alarm-row="{alarm.pk}"' not in client.get("/monitoring/alarms/?level=hh").content.decode()
    incidents_page = client.get("/incidents/").content.decode()
    assert 'id="alarm-bar"' in incidents_page and 'data-can-act="1"' in incidents_page
    assert "monitoring/alarms.js" in incidents_page


def test_the_admin_stages_a_demo_leak_through_the_broker(client, make_point, make_user, broker, prefix, settings):
    import json
    import threading

    import paho.mqtt.client as mqtt

    from hazards.models import Enterprise, RiskSource

    settings.MQTT_URL = broker.url
    enterprise = Enterprise.objects.create(code="E9", name="E9", location="POINT(113.66 22.65)")
    source = RiskSource.objects.create(code="RS99", name="tank", enterprise=enterprise, location="POINT(113.66 22.65)")
    point = make_point("RS99-AT1", risk_source=source)
    got, ready = [], threading.Event()
    sub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    sub.on_message = lambda _c, _u, m: got.append(json.loads(m.payload))
    sub.on_subscribe = lambda *a: ready.set()
    sub.username_pw_set(broker.info["ingest_user"], broker.info["ingest_password"])  # ingesters read park/#
    sub.connect("127.0.0.1", broker.port)
    sub.subscribe(f"{prefix}/simulator/leak", qos=1)
    sub.loop_start()
    try:
        assert ready.wait(10)
        admin = make_user("root_t", staff=True)
        admin.is_superuser = True
        admin.save()
        login(client, admin)
        response = client.post("/admin/monitoring/monitoringpoint/", {
            "action": "stage_leak", "_selected_action": [point.pk]}, follow=True)
        assert "Leak staged at RS99" in response.content.decode()
        from tests.monitoring.conftest import wait_until

        wait_until(lambda: got == [{"source": "RS99", "seconds": 180}], what="the leak order on the broker")
    finally:
        sub.loop_stop()
        sub.disconnect()
