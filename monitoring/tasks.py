"""Durable jobs (procrastinate): HH escalation, deferred in the transaction that raised the
alarm; the readings retention purge, nightly.

The jobs are declared beside the services they run (monitoring.services); this module
re-exports them so procrastinate finds them, and services never import it.
"""

from monitoring.services import escalate_alarm, purge_readings

__all__ = ["escalate_alarm", "purge_readings"]
