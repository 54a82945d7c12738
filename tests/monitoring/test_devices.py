"""Issue 20, the broker and device identities, against a real Mosquitto with the dynamic
security plugin (tests/monitoring/conftest.py Broker): no anonymous clients, a device publishes
only its own topics and reads nothing, revoke and rotate take effect at once, TLS with the
park's CA, secrets shown once; and the registry's API."""

from __future__ import annotations

import datetime as dt
import json
import ssl
import threading
import uuid

import paho.mqtt.client as mqtt
import pytest
from rest_framework.test import APIClient

from monitoring.models import DeadLetter, Reading
from tests.monitoring.conftest import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def now_ms(offset_s: float = 0) -> int:
    return int((dt.datetime.now(dt.UTC).timestamp() + offset_s) * 1000)


class Session:
    """A paho client that records what happens to it: connect result, disconnects, messages."""

    def __init__(self, port, *, username=None, password=None, tls_ca=None):
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"t-{uuid.uuid4().hex[:8]}",
                                  protocol=mqtt.MQTTv5, reconnect_on_failure=False)
        self.connected = threading.Event()
        self.result = None
        self.disconnects: list[str] = []
        self.granted: list = []
        self.messages: list[str] = []
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = lambda c, u, f, reason, p: self.disconnects.append(str(reason))
        self.client.on_subscribe = lambda c, u, mid, reasons, p: self.granted.extend(reasons)
        self.client.on_message = lambda c, u, m: self.messages.append(m.topic)
        if username:
            self.client.username_pw_set(username, password)
        if tls_ca:
            self.client.tls_set(ca_certs=tls_ca)
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def _on_connect(self, c, u, flags, reason, p):
        self.result = reason
        self.connected.set()

    def wait(self):
        wait_until(lambda: self.result is not None or self.disconnects, what="a connection answer")
        return self.result

    def close(self):
        self.client.loop_stop()
        self.client.disconnect()


def test_anonymous_clients_are_refused(broker):
    s = Session(broker.port)
    try:
        assert s.wait() is not None and s.result.is_failure
        assert "authori" in str(s.result).lower()
    finally:
        s.close()


def test_wrong_password_is_refused(broker):
    s = Session(broker.port, username="ingest", password="not-the-password")
    try:
        assert s.wait().is_failure
    finally:
        s.close()


def test_a_device_publishes_only_its_own_points_and_subscribes_to_nothing(make_point, device_publisher, prefix,
                                                                           start_ingester, publisher):
    make_point("P1")
    theirs = make_point("P2")
    ingester = start_ingester()
    gw = device_publisher("GW1", kind="gateway", points=["P1"])
    device_publisher("GW2", kind="gateway", points=["P2"])
    gw.publish(f"{prefix}/points/P2", {"ts": now_ms(-1), "value": 99})  # another device's point
    gw.publish(f"{prefix}/gateways/GW2", [{"point": "P2", "ts": now_ms(-1), "value": 99}])  # another gateway
    gw.publish(f"{prefix}/points/P1", {"ts": now_ms(-1), "value": 1})
    wait_until(lambda: Reading.objects.filter(point__code="P1").exists(), what="the device's own reading")
    assert f"{prefix}/points/P2" in gw.refused and f"{prefix}/gateways/GW2" in gw.refused
    assert f"{prefix}/points/P1" not in gw.refused
    assert not Reading.objects.filter(point=theirs).exists()
    # ... and reads nothing, not even its own topics.
    s = Session(gw.client._port, username=gw.secrets["mqtt_username"],
                password=gw.secrets["mqtt_password"])
    try:
        assert not s.wait().is_failure
        s.client.subscribe(f"{prefix}/#", qos=1)
        s.client.subscribe("#", qos=1)
        wait_until(lambda: len(s.granted) == 2, what="the broker's answer to the subscriptions")
        assert all(r.is_failure for r in s.granted)
        publisher.publish(f"{prefix}/points/P1", {"ts": now_ms(-0.5), "value": 2})
        wait_until(lambda: Reading.objects.filter(point__code="P1").count() == 2, what="a later reading")
        assert s.messages == []
    finally:
        s.close()
    assert ingester.counters.messages >= 2


def test_a_gateway_batch_item_for_a_point_not_bound_to_it_is_a_dead_letter(make_point, device_publisher, prefix,
                                                                           start_ingester):
    mine, theirs = make_point("P1"), make_point("P2")
    ingester = start_ingester()
    gw = device_publisher("GW1", kind="gateway", points=["P1"])
    device_publisher("GW2", kind="gateway", points=["P2"])
    gw.publish(f"{prefix}/gateways/GW1", [{"point": "P2", "ts": now_ms(-1), "value": 99},
                                          {"point": "P1", "ts": now_ms(-1), "value": 1}])
    wait_until(lambda: ingester.counters.messages >= 1, what="the batch processed")
    assert Reading.objects.filter(point=mine).count() == 1
    assert not Reading.objects.filter(point=theirs).exists()
    letter = DeadLetter.objects.get()
    assert "P2" in letter.reason and "not bound to device" in letter.reason and "GW1" in letter.reason


def test_revoke_disconnects_a_live_device_at_once_and_it_cannot_reconnect(make_point, onboard, broker, iot_admin):
    make_point("P1")
    device, issued = onboard("GW1", kind="gateway", points=["P1"])
    live = Session(broker.port, username=issued["mqtt_username"], password=issued["mqtt_password"])
    try:
        assert not live.wait().is_failure
        response = api(iot_admin).post(f"/api/v1/devices/{device.pk}/revoke/")
        assert response.status_code == 200, response.content
        assert response.json()["active"] is False
        wait_until(lambda: live.disconnects, what="the broker to drop the revoked device")
    finally:
        live.close()
    again = Session(broker.port, username=issued["mqtt_username"], password=issued["mqtt_password"])
    try:
        assert again.wait().is_failure
    finally:
        again.close()


def test_rotate_invalidates_the_old_password_and_token(make_point, onboard, broker, iot_admin):
    make_point("P1")
    device, old = onboard("GW1", kind="gateway", points=["P1"])
    live = Session(broker.port, username=old["mqtt_username"], password=old["mqtt_password"])
    try:
        assert not live.wait().is_failure
        response = api(iot_admin).post(f"/api/v1/devices/{device.pk}/rotate/")
        assert response.status_code == 200, response.content
        new = response.json()
        assert new["mqtt_password"] != old["mqtt_password"] and new["token"] != old["token"]
        wait_until(lambda: live.disconnects, what="the old session dropped")
    finally:
        live.close()
    stale = Session(broker.port, username=old["mqtt_username"], password=old["mqtt_password"])
    fresh = Session(broker.port, username=new["mqtt_username"], password=new["mqtt_password"])
    try:
        assert stale.wait().is_failure
        assert not fresh.wait().is_failure
    finally:
        stale.close()
        fresh.close()
    body = [{"point": "P1", "ts": now_ms(-1), "value": 1}]
    old_http = APIClient()
    old_http.credentials(HTTP_AUTHORIZATION=f"Token {old['token']}")
    assert old_http.post("/api/v1/readings/", body, format="json").status_code == 401
    new_http = APIClient()
    new_http.credentials(HTTP_AUTHORIZATION=f"Token {new['token']}")
    assert new_http.post("/api/v1/readings/", body, format="json").status_code == 202


def test_tls_with_the_park_ca_works_and_plain_tcp_to_the_tls_port_fails(make_point, broker, prefix, start_ingester,
                                                                         publisher):
    point = make_point("P1")
    ingester = start_ingester(url=broker.tls_url)
    publisher.publish(f"{prefix}/points/P1", {"ts": now_ms(-1), "value": 4.5})
    wait_until(lambda: Reading.objects.filter(point=point).exists(), what="a reading through the TLS ingester")
    assert ingester.ingester.auth["tls_context"].verify_mode == ssl.CERT_REQUIRED
    plain = Session(broker.tls_port, username=broker.info["ingest_user"], password=broker.info["ingest_password"])
    try:
        wait_until(lambda: plain.disconnects or (plain.result is not None and plain.result.is_failure),
                   what="the TLS port to refuse plain MQTT")
        assert not (plain.result is not None and not plain.result.is_failure)
    finally:
        plain.close()
    # A CA that did not sign the broker's certificate: refused.
    from devices.broker_home import make_tls

    other = broker.dir / "other-ca"
    make_tls(other)
    with pytest.raises(ssl.SSLError):
        Session(broker.tls_port, username="ingest", password="x", tls_ca=str(other / "ca.crt"))


# --- the registry's API ------------------------------------------------------------------

def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_secrets_appear_only_in_the_create_and_rotate_answers(make_point, broker, prefix, iot_admin):
    make_point("P1", kind="toxic_gas")
    client = api(iot_admin)
    response = client.post("/api/v1/devices/", {
        "code": "GW9", "kind": "gateway", "points": ["P1"], "vendor": "汉威 <b>", "model": "HW-1", "serial": "S1",
        "calibrated_at": str(dt.date.today() - dt.timedelta(days=10))}, format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    for key in ("id", "code", "mqtt_username", "mqtt_password", "token", "online", "last_seen", "calibration_due"):
        assert key in created
    assert created["calibration_interval_days"] == 365  # a gas detector: yearly (JJG 693)
    listed = json.dumps(client.get("/api/v1/devices/").json())
    detail = json.dumps(client.get(f"/api/v1/devices/{created['id']}/").json())
    for text in (listed, detail):
        assert created["mqtt_password"] not in text and created["token"] not in text
        assert "mqtt_password" not in text and '"token"' not in text
    from devices.models import Device

    row = Device.objects.get(code="GW9")
    stored = json.dumps({f.attname: str(getattr(row, f.attname)) for f in Device._meta.concrete_fields})
    assert created["mqtt_password"] not in stored and created["token"] not in stored
    # The broker knows it: the device connects with what it was given.
    s = Session(broker.port, username=created["mqtt_username"], password=created["mqtt_password"])
    try:
        assert not s.wait().is_failure
    finally:
        s.close()


def test_only_the_iot_administrator_manages_devices(make_point, broker, make_user, duty_officer):
    from core.roles import IOT_ADMIN, SAFETY_SUPERVISOR

    make_point("P1")
    body = {"code": "GWX", "kind": "gateway", "points": ["P1"]}
    for user in (duty_officer, make_user("sup1", SAFETY_SUPERVISOR)):
        assert api(user).post("/api/v1/devices/", body, format="json").status_code == 403
        assert api(user).get("/api/v1/devices/").status_code == 403
    it = make_user("it1", IOT_ADMIN)
    assert api(it).post("/api/v1/devices/", body, format="json").status_code == 201


@pytest.mark.parametrize("body, field", [
    ({"code": "a/b", "kind": "gateway"}, "code"),
    ({"code": "#", "kind": "gateway"}, "code"),
    ({"code": "G\\u0000", "kind": "gateway"}, "code"),
    ({"code": "G1", "kind": "toaster"}, "kind"),
    ({"code": "G1", "kind": "gateway", "points": ["NOPE"]}, None),
    ({"code": "G1", "kind": "gateway", "calibrated_at": "2999-01-01"}, None),
    ({"code": "G1", "kind": "vehicle_terminal"}, None),
    ({"code": "G1", "kind": "gateway", "colour": "red"}, "colour"),
])
def test_bad_device_input_is_a_400_and_nothing_is_written(broker, iot_admin, make_point, body, field):
    from devices.models import Device

    make_point("P1")
    if "\\u0000" in body["code"]:
        body = {**body, "code": "G\x00"}
    response = api(iot_admin).post("/api/v1/devices/", body, format="json")
    assert response.status_code == 400, response.content
    assert not Device.objects.exists()


def test_a_point_is_bound_to_one_device(make_point, onboard, iot_admin):
    make_point("P1")
    onboard("GW1", kind="gateway", points=["P1"])
    response = api(iot_admin).post("/api/v1/devices/", {"code": "GW2", "kind": "gateway", "points": ["P1"]},
                                   format="json")
    assert response.status_code == 409 and "GW1" in response.json()["detail"]


def test_calibration_overdue_for_the_park_and_the_enterprise_and_in_its_colour(make_point, make_device, make_user):
    from django.contrib.gis.geos import Point

    from core.roles import ENTERPRISE_OFFICER, SAFETY_SUPERVISOR
    from hazards.models import Enterprise
    from safety import selectors as safety_selectors
    from safety.models import EnterpriseMembership
    from safety.services import enterprise_colour_recompute

    e1 = Enterprise.objects.create(code="E91", name="甲化工", location=Point(113.6, 22.6))
    e2 = Enterprise.objects.create(code="E92", name="乙化工", location=Point(113.6, 22.6))
    make_point("G1", kind="toxic_gas")
    make_point("G2", kind="toxic_gas")
    long_ago = dt.date.today() - dt.timedelta(days=400)
    make_device("D1", points=["G1"], enterprise=e1, calibrated_at=long_ago, calibration_interval_days=365)
    make_device("D2", points=["G2"], enterprise=e2, calibrated_at=long_ago, calibration_interval_days=365)
    make_device("D3", enterprise=e1, calibrated_at=dt.date.today(), calibration_interval_days=365)
    supervisor = make_user("sup1", SAFETY_SUPERVISOR)
    officer = make_user("off1", ENTERPRISE_OFFICER)
    EnterpriseMembership.objects.create(user=officer, enterprise=e1)
    park = api(supervisor).get("/api/v1/devices/calibration-overdue/")
    assert park.status_code == 200 and sorted(d["code"] for d in park.json()) == ["D1", "D2"]
    own = api(officer).get("/api/v1/devices/calibration-overdue/")
    assert [d["code"] for d in own.json()] == ["D1"]
    counts = api(officer).get("/api/v1/devices/counts/").json()
    assert [(c["enterprise_code"], c["total"], c["calibration_overdue"]) for c in counts] == [("E91", 2, 1)]
    assert ("calibration", 1) in [(code, n) for code, n, _text, _red in safety_selectors.colour_inputs(e1.pk).extra]
    colour = enterprise_colour_recompute(enterprise_id=e1.pk, reason="test")
    assert "calibration" in [f["code"] for f in colour.factors]


def test_the_admin_onboards_a_device_and_shows_its_secrets_once(make_point, broker, prefix, client, make_user):
    from django.contrib.auth import get_user_model

    from core.roles import IOT_ADMIN
    from devices.models import Device

    point = make_point("P1", kind="toxic_gas")
    it = make_user("it1", IOT_ADMIN)
    get_user_model().objects.filter(pk=it.pk).update(is_staff=True)
    client.force_login(it)
    response = client.post("/admin/devices/device/add/", {
        "kind": "sensor", "code": "S1", "name": "探头 <script>", "points": [point.pk], "vendor": "MSA",
        "calibration_interval_days": "365"})
    assert response.status_code == 200, response.content[:500]
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    device = Device.objects.get(code="S1")
    assert device.mqtt_username in page and 'data-secret="mqtt_password"' in page
    secret = page.split('data-secret="mqtt_password">')[1].split("<")[0]
    s = Session(broker.port, username=device.mqtt_username, password=secret)
    try:
        assert not s.wait().is_failure
    finally:
        s.close()
    for url in ("/admin/devices/device/", f"/admin/devices/device/{device.pk}/change/"):
        shown = client.get(url)
        assert shown.status_code == 200 and secret not in shown.content.decode()
    # The admin's revoke action: the broker forgets the device.
    response = client.post("/admin/devices/device/", {"action": "revoke", "_selected_action": [device.pk]})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.revoked_at is not None
    again = Session(broker.port, username=device.mqtt_username, password=secret)
    try:
        assert again.wait().is_failure
    finally:
        again.close()


def test_gate_and_vehicle_devices_publish_only_their_own_gate_or_plate(device_publisher, prefix):
    gate = device_publisher("GATE1", kind="gate", subject="G01")
    car = device_publisher("CAR1", kind="vehicle_terminal", subject="粤A12345")
    for pub, topic in ((gate, f"{prefix}/gates/G01"), (gate, f"{prefix}/gates/G02"),
                       (gate, f"{prefix}/vehicles/粤A12345"), (car, f"{prefix}/vehicles/粤A12345"),
                       (car, f"{prefix}/vehicles/粤B00000"), (car, f"{prefix}/points/P1")):
        pub.publish(topic, {"ts": now_ms(-1)})
    assert gate.refused == [f"{prefix}/gates/G02", f"{prefix}/vehicles/粤A12345"]
    assert car.refused == [f"{prefix}/vehicles/粤B00000", f"{prefix}/points/P1"]
