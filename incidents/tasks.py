"""Durable jobs (procrastinate), deferred in the transaction that needs them.

Procrastinate finds jobs in each app's `tasks` module; they are declared beside the services
they run (incidents.services), so services defer them without importing this module.
"""

from incidents.services import escalate_unacknowledged

__all__ = ["escalate_unacknowledged"]
