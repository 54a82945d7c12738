"""Durable jobs (procrastinate) of the safety ledger.

- flag_overdue_hidden_danger: deferred at report (and when a plan moves the deadline) inside
  the same transaction, scheduled at the deadline.
- check_commitments: every 10 minutes; after SAFETY_COMMITMENT_DUE_HOUR an enterprise without
  today's commitment is flagged (once a day) and recoloured.
- recompute_colours: every 5 minutes, for inputs that change with time alone or in another app
  (deadlines passing, monitoring alarms).

The jobs are declared beside the services they run (safety.services); this module
re-exports them so procrastinate finds them, and services never import it.
"""

from safety.services import check_commitments, flag_overdue_hidden_danger, recompute_colours

__all__ = ["flag_overdue_hidden_danger", "check_commitments", "recompute_colours"]
