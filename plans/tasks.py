"""Durable jobs (procrastinate), deferred in the transaction that creates their subject.

Procrastinate finds jobs in each app's `tasks` module; they are declared beside the services
they run (plans.services.activation), so services defer them without importing this module.
"""

from plans.services.activation import flag_overdue_task

__all__ = ["flag_overdue_task"]
