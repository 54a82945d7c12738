"""The stream events of plans, declared once (core.events). Payload shapes: plans.payloads."""

import stream
from core import events
from plans.payloads import (
    ActivationPayload,
    HandoverPayload,
    TaskPayload,
    activation_payload,
    handover_payload,
    task_payload,
)


def _console(*_subject) -> list[str]:
    return [stream.CONSOLE]


ACTIVATION_CREATED = events.register(
    "activation.created", audiences=_console, payload=activation_payload, schema=ActivationPayload,
    doc="A contingency plan was activated on an incident.")
ACTIVATION_UPDATED = events.register(
    "activation.updated", audiences=_console, payload=activation_payload, schema=ActivationPayload,
    doc="A plan's response level was raised, or the response ended.")
TASK_CREATED = events.register(
    "task.created", audiences=_console, payload=task_payload, schema=TaskPayload, doc="An activation added a task.")


def _task_audiences(task, now=None) -> list[str]:
    # An overdue task is an escalation: officers on duty hear of it wherever they are.
    flagged = task.status == task.Status.OPEN and task.overdue_at is not None
    return [stream.CONSOLE, stream.DUTY] if flagged else [stream.CONSOLE]


TASK_UPDATED = events.register(
    "task.updated", audiences=_task_audiences, payload=task_payload, schema=TaskPayload,
    doc="A task was done, closed, or flagged overdue (then officers on duty hear it too).")
HANDOVER_CREATED = events.register(
    "handover.created",
    audiences=lambda handover: [stream.CONSOLE, stream.audience_user(handover.incoming_id)],
    payload=handover_payload, schema=HandoverPayload, doc="An outgoing officer handed over; the incoming officer hears it.")
HANDOVER_CONFIRMED = events.register(
    "handover.confirmed",
    audiences=lambda handover: [stream.CONSOLE, stream.audience_user(handover.outgoing_id)],
    payload=handover_payload, schema=HandoverPayload, doc="The incoming officer confirmed; the outgoing officer hears it.")

# An incident closed with a plan running ends that response (issue 22, point 4). incidents
# sits below plans, so plans hears the closing by the event's name (core.events.subscribe).
events.subscribe(["incident.updated"], "plans.services.activation.incident_closed_event")
