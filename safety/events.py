"""The stream events of the safety ledger, declared once (core.events). Payloads: safety.payloads.

Every event goes to the enterprise's own officers (enterprise:<id>) and the park's supervisors
(safety); permits and colour changes also reach every console (they are command-map layers), and
an overdue major hidden danger rings every console. No other enterprise hears any of them.
"""

import stream
from core import events
from monitoring import events as monitoring_events
from safety import payloads


def _hidden_danger_audiences(hidden_danger, change="") -> list[str]:
    return [stream.SAFETY, stream.audience_enterprise(hidden_danger.enterprise_id)]


def _overdue_audiences(hidden_danger, change="overdue") -> list[str]:
    extra = [stream.CONSOLE] if hidden_danger.level == "major" else []
    return [stream.SAFETY, stream.audience_enterprise(hidden_danger.enterprise_id), *extra]


def _permit_audiences(permit, change="", rule="", alarm=None) -> list[str]:
    # Consoles too: permits in force are on the command map, and a dispatcher must know people
    # may be inside a tank near an incident. An alarm's stop or warning also reaches the permit's
    # holder wherever they are (issue 22, point 7).
    holder = [stream.audience_user(permit.created_by_id)] if alarm else []
    return [stream.SAFETY, stream.audience_enterprise(permit.enterprise_id), stream.CONSOLE, *holder]


def _colour_audiences(colour, previous="") -> list[str]:
    # Consoles too: the four-colour map is a layer of the command map.
    return [stream.SAFETY, stream.audience_enterprise(colour.enterprise_id), stream.CONSOLE]


HIDDEN_DANGER_REPORTED = events.register(
    "hidden_danger.reported", audiences=_hidden_danger_audiences, payload=payloads.hidden_danger_payload, schema=payloads.HiddenDangerPayload,
    doc="An enterprise officer or a supervisor recorded a hidden danger (隐患).")
HIDDEN_DANGER_UPDATED = events.register(
    "hidden_danger.updated", audiences=_hidden_danger_audiences, payload=payloads.hidden_danger_payload, schema=payloads.HiddenDangerPayload,
    doc="A hidden danger moved on: rectification planned, rectified, verified (closed) or sent back "
        "(payload `change`), or got a photo.")
HIDDEN_DANGER_OVERDUE = events.register(
    "hidden_danger.overdue", audiences=_overdue_audiences, payload=payloads.hidden_danger_payload, schema=payloads.HiddenDangerPayload,
    doc="A hidden danger passed its deadline without being closed (督办); a major one rings every console.")
HIDDEN_DANGER_IMPORTED = events.register(
    "hidden_danger.imported",
    audiences=lambda enterprise, result=None: [stream.SAFETY, stream.audience_enterprise(enterprise.pk)],
    payload=payloads.import_payload, schema=payloads.ImportPayload,
    doc="An enterprise's hidden dangers were imported from its own system: one event per import, "
        "never heard by consoles (imported history does not ring, issue 22).")
WORK_PERMIT_UPDATED = events.register(
    "work_permit.updated", audiences=_permit_audiences, payload=payloads.permit_payload, schema=payloads.PermitPayload,
    doc="A special-work permit was submitted, approved on site (`approved`), started, paused for a break "
        "(`paused`), suspended by a failed gas test or an alarm nearby, warned of an alarm nearby (`alarm_nearby`), "
        "resumed, filed with the park (`filed`, 报备), spot-checked by the park (`spot_checked`), closed or "
        "cancelled (payload `change`; `rule` names the GB 30871-2022 clause; `alarm` the alarm that stopped or "
        "warned it).")
ENTERPRISE_COLOUR_CHANGED = events.register(
    "enterprise.colour_changed",
    audiences=_colour_audiences, payload=payloads.colour_payload, schema=payloads.ColourPayload,
    doc="An enterprise's risk colour changed; `factors` say why.")
COMMITMENT_UPDATED = events.register(
    "commitment.updated",
    audiences=lambda enterprise, date, change="": [stream.SAFETY, stream.audience_enterprise(enterprise.pk)],
    payload=payloads.commitment_payload, schema=payloads.CommitmentPayload,
    doc="An enterprise filed its daily safety commitment (change `filed`), or had not by the due hour "
        "(change `missing`).")

# Monitoring alarms are an input of the enterprise's colour, and an alarm near work under way
# stops hot work and confined-space work and warns the others (issue 22, point 7). Monitoring is
# below safety (issue 23): safety hears its declared event types and reads the alarm through
# monitoring.selectors. The handlers are named by path: services import this module.
_ALARM_EVENTS = [monitoring_events.ALARM_RAISED.name, monitoring_events.ALARM_UPDATED.name]
events.subscribe(_ALARM_EVENTS, "safety.services.colour_input_event")
events.subscribe(_ALARM_EVENTS, "safety.services.permits_alarm_event")
