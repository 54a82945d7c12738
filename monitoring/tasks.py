"""Durable jobs (procrastinate): HH escalation, deferred in the transaction that raised the
alarm; the readings retention purge, nightly."""

from procrastinate.contrib.django import app


@app.task(name="monitoring.escalate_alarm", queue="escalations")
def escalate_alarm(alarm_id: int) -> None:
    from monitoring.services import alarm_escalate

    alarm_escalate(alarm_id=alarm_id)


@app.periodic(cron="17 3 * * *")
@app.task(name="monitoring.purge_readings", queue="maintenance")
def purge_readings(timestamp: int) -> None:
    from monitoring.services import readings_purge

    readings_purge()
