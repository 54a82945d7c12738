"""Durable jobs (procrastinate) of the safety ledger.

- flag_overdue_hidden_danger: deferred at report (and when a plan moves the deadline) inside
  the same transaction, scheduled at the deadline.
- check_commitments: every 10 minutes; after SAFETY_COMMITMENT_DUE_HOUR an enterprise without
  today's commitment is flagged (once a day) and recoloured.
- recompute_colours: every 5 minutes, for inputs that change with time alone or in another app
  (deadlines passing, monitoring alarms).
"""

from procrastinate.contrib.django import app


@app.task(name="safety.flag_overdue_hidden_danger", queue="safety")
def flag_overdue_hidden_danger(hidden_danger_id: int) -> None:
    from safety.services import hidden_danger_flag_overdue

    hidden_danger_flag_overdue(hidden_danger_id=hidden_danger_id)


@app.periodic(cron="*/10 * * * *")
@app.task(name="safety.check_commitments", queue="safety")
def check_commitments(timestamp: int) -> None:
    from safety.services import commitments_flag_missing

    commitments_flag_missing()


@app.periodic(cron="*/5 * * * *")
@app.task(name="safety.recompute_colours", queue="safety")
def recompute_colours(timestamp: int) -> None:
    from safety.services import enterprise_colours_recompute_all

    enterprise_colours_recompute_all()
