"""The park's nightly jobs: the count (stale stays end, adjustments reset) and the retention
purge of positions (privacy: PARK_POSITION_RETENTION_DAYS)."""

from procrastinate.contrib.django import app as jobs

from park import services
from park.services import tracking


@jobs.periodic(cron="30 2 * * *")
@jobs.task(name="park.nightly_count", queue="maintenance")
def nightly_count_job(timestamp: int) -> None:
    services.nightly_count()


@jobs.periodic(cron="40 3 * * *")
@jobs.task(name="park.purge_positions", queue="maintenance")
def purge_positions(timestamp: int) -> None:
    tracking.positions_purge()
