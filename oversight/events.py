"""Stream events of the park's safety administration, declared once (core.events). Payloads:
oversight.payloads. Like the ledger's, they go to the park's supervisors (safety) and the
enterprise's own officers, never to another enterprise."""

import stream
from core import events
from oversight import payloads


def _licence_audiences(licence, *args, **kwargs) -> list[str]:
    return [stream.SAFETY, stream.audience_enterprise(licence.enterprise_id)]


def _duty_audiences(check) -> list[str]:
    return [stream.SAFETY, stream.audience_enterprise(check.risk_source.enterprise_id)]


def _turnaround_audiences(turnaround) -> list[str]:
    # Consoles too: a plant starting up or shutting down is where the next call may come from.
    return [stream.SAFETY, stream.audience_enterprise(turnaround.enterprise_id), stream.CONSOLE]


LICENCE_UPDATED = events.register(
    "licence.updated", audiences=_licence_audiences, payload=payloads.licence_payload, schema=payloads.LicencePayload,
    doc="A licence (安全生产行政许可) was recorded or renewed (change `recorded`), comes up to a reminder "
        "90 or 30 days before it lapses (`reminder`, with `days_left`), or lapsed (`lapsed`).")
DUTY_CHECK_RECORDED = events.register(
    "duty_check.recorded", audiences=_duty_audiences, payload=payloads.duty_check_payload, schema=payloads.DutyCheckPayload,
    doc="A 包保 person's check of their major hazard source was recorded.")
TURNAROUND_REPORTED = events.register(
    "turnaround.reported", audiences=_turnaround_audiences, payload=payloads.turnaround_payload, schema=payloads.TurnaroundPayload,
    doc="An enterprise reported a planned start-up, shutdown or turnaround (开停车/大检修) to the park.")
