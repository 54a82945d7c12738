"""Durable jobs of the park (procrastinate), declared beside their services: the nightly count
and the positions' retention purge. Re-exported here so procrastinate finds them."""

from park.jobs import nightly_count_job, purge_positions

__all__ = ["nightly_count_job", "purge_positions"]
