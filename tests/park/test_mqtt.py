"""Passages and positions over MQTT through the real ingester and our own Mosquitto: a gate's
own device publishes park/gates/<code>, a vehicle's terminal park/vehicles/<plate>; unusable
messages become dead letters with the reason (monitoring.topics registers the topics)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from monitoring.models import DeadLetter
from park.models import GateAlarm, Passage, VehiclePosition
from tests.monitoring.conftest import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def test_gate_passages_and_vehicle_positions_over_mqtt(park, device_publisher, prefix, start_ingester):
    from park.services import tracking

    start_ingester()
    gate = device_publisher("CAM-MQ", kind="gate", subject="GM")
    car = device_publisher("VT-MQ", kind="vehicle_terminal", subject="粤C00001")
    tracking.reference_forget()
    at = (timezone.now() - dt.timedelta(seconds=30)).isoformat()
    body = {"direction": "in", "at": at, "plate": "粤C00001", "vehicle_class": "hazmat"}
    gate.publish(f"{prefix}/gates/GM", body)
    gate.publish(f"{prefix}/gates/GM", body)  # QoS 1 sent again: stored once
    gate.publish(f"{prefix}/gates/GM", {"direction": "up", "at": at, "plate": "粤C00001"})
    gate.publish(f"{prefix}/gates/GM", b"{not json")
    wait_until(lambda: DeadLetter.objects.filter(topic__startswith=f"{prefix}/gates/").count() == 2,
               what="two dead letters")
    assert Passage.objects.filter(gate__code="GM", plate="粤C00001").count() == 1
    reasons = " ".join(DeadLetter.objects.values_list("reason", flat=True))
    assert "direction" in reasons and "JSON" in reasons
    # A hazmat vehicle without an appointment: the gate alarm rings.
    assert GateAlarm.objects.get().kind == "no_appointment"
    ts = timezone.now() - dt.timedelta(seconds=10)
    car.publish(f"{prefix}/vehicles/粤C00001", {"ts": ts.isoformat(), "lon": 113.66, "lat": 22.65, "speed_kmh": 20})
    car.publish(f"{prefix}/vehicles/粤C00001", {"ts": ts.isoformat(), "lon": 200, "lat": 22.65})
    wait_until(lambda: VehiclePosition.objects.filter(plate="粤C00001").exists(), what="position stored")
    wait_until(lambda: DeadLetter.objects.filter(topic__startswith=f"{prefix}/vehicles/").exists(),
               what="the bad position dead-lettered")
    assert "lon" in DeadLetter.objects.get(topic__startswith=f"{prefix}/vehicles/").reason
    # The broker keeps a gate device to its own gate (devices' ACLs).
    gate.publish(f"{prefix}/gates/G1", body)
    assert gate.refused == [f"{prefix}/gates/G1"]
