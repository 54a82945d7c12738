"""Durable jobs (procrastinate), deferred in the transaction that creates their subject."""

from procrastinate.contrib.django import app


@app.task(name="plans.flag_overdue_task", queue="plans")
def flag_overdue_task(task_id: int) -> None:
    from plans.services import task_flag_overdue

    task_flag_overdue(task_id=task_id)
