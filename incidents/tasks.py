"""Durable jobs (procrastinate): deferred in the transaction that needs them."""

from procrastinate.contrib.django import app


@app.task(name="incidents.escalate_unacknowledged", queue="escalations")
def escalate_unacknowledged(assignment_id: int) -> None:
    from incidents.services import assignment_escalate

    assignment_escalate(assignment_id=assignment_id)
