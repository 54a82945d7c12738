"""The stream events of closed park management, declared once (core.events). Payloads: park.payloads."""

import stream
from core import events
from park.payloads import GateAlarmPayload, VehicleAlarmPayload, gate_alarm_payload, vehicle_alarm_payload


def _audiences(alarm) -> list[str]:
    """Where sensor alarms ring (monitoring.events.alarm_audiences): every console, the officers
    on duty, the park's supervisors, and the enterprise the vehicle was going to (only theirs)."""
    audiences = [stream.CONSOLE, stream.DUTY, stream.SAFETY]
    if alarm.enterprise_id:
        audiences.append(stream.audience_enterprise(alarm.enterprise_id))
    return audiences


GATE_ALARM = events.register(
    "gate.alarm", audiences=_audiences, payload=gate_alarm_payload, schema=GateAlarmPayload,
    doc="A hazardous-chemical vehicle passed a park gate without a valid appointment (none, another gate, "
        "outside its window, an expired qualification), or such an alarm was acknowledged (`state`).")
VEHICLE_ALARM = events.register(
    "vehicle.alarm", audiences=_audiences, payload=vehicle_alarm_payload, schema=VehicleAlarmPayload,
    doc="A hazardous-chemical vehicle left its approved route, sped, or stopped outside a parking lot; "
        "or the alarm cleared or was acknowledged (`state`).")
