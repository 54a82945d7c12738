"""The stream events of drills, declared once (core.events). Payload shapes: drills.payloads."""

import stream
from core import events
from drills.payloads import (
    DrillPayload,
    FindingPayload,
    InjectRunPayload,
    OverduePayload,
    drill_payload,
    finding_payload,
    inject_run_payload,
    overdue_payload,
)


def _console(_subject) -> list[str]:
    return [stream.CONSOLE]


DRILL_STARTED = events.register(
    "drill.started", audiences=_console, payload=drill_payload, schema=DrillPayload,
    doc="A drill started: every console shows 演练 / EXERCISE until it ends.")
DRILL_ENDED = events.register(
    "drill.ended", audiences=_console, payload=drill_payload, schema=DrillPayload,
    doc="A drill ended: its units were released and its incidents closed.")
INJECT_FIRED = events.register(
    "inject.fired", audiences=_console, payload=inject_run_payload, schema=InjectRunPayload,
    doc="A drill's inject was played (or failed, with the reason) through the real services.")
FINDING_RECORDED = events.register(
    "finding.recorded", audiences=_console, payload=finding_payload, schema=FindingPayload,
    doc="An evaluator recorded a finding on a drill or an incident.")
DRILL_OVERDUE = events.register(
    "drill.overdue", audiences=lambda flag: [stream.CONSOLE, *([stream.audience_enterprise(flag.enterprise_id)]
                                                              if flag.enterprise_id else [])],
    payload=overdue_payload, schema=OverduePayload,
    doc="A plan's periodic drill (six-monthly on-site, yearly special) passed its due date without a "
        "drill: flagged once per due date, to the consoles and the enterprise's safety officers.")
