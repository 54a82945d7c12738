"""Durable jobs (procrastinate), deferred in the transaction that starts a drill."""

from procrastinate.contrib.django import app


@app.task(name="drills.play_inject", queue="drills")
def play_inject(run_id: int) -> None:
    from drills.services import inject_play

    inject_play(run_id=run_id)
