"""Durable jobs (procrastinate) of the safety ledger.

- flag_overdue_hidden_danger: deferred at report (and when a plan moves the deadline) inside
  the same transaction, scheduled at the deadline.
- flag_overdue_hidden_dangers: the same for an import's rows, one job per minute of deadlines.
- check_commitments: every 10 minutes; after SAFETY_COMMITMENT_DUE_HOUR an enterprise without
  today's commitment is flagged (once a day) and recoloured.
- recompute_colour: one enterprise's colour, deferred in the transaction that changed an input
  written outside safety's services (a monitoring alarm through core.events.subscribe, a
  deletion, a certificate expiring at midnight, a confined-space re-test falling due).
- recompute_colours: every 5 minutes, a backstop for anything time alone changes.

The jobs are declared beside the services they run (safety.services); this module
re-exports them so procrastinate finds them, and services never import it.
"""

from safety.services import (
    check_commitments,
    flag_overdue_hidden_danger,
    flag_overdue_hidden_dangers,
    recompute_colour,
    recompute_colours,
)

__all__ = ["flag_overdue_hidden_danger", "flag_overdue_hidden_dangers", "check_commitments", "recompute_colour",
           "recompute_colours"]
