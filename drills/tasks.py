"""Durable jobs (procrastinate), deferred in the transaction that starts a drill.

The jobs are declared beside the services they run (drills.services); this module
re-exports them so procrastinate finds them, and services never import it.
"""

from drills.services import play_inject

__all__ = ["play_inject"]
