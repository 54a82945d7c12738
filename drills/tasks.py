"""Durable jobs (procrastinate), deferred in the transaction that starts a drill.

The jobs are declared beside the services they run (drills.services); this module
re-exports them so procrastinate finds them, and services never import it.
"""

from drills.services import flag_overdue_drills, play_inject, sweep_overdue_drills

__all__ = ["flag_overdue_drills", "play_inject", "sweep_overdue_drills"]
