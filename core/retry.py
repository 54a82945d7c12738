"""Durable jobs that carry a message to a person retry what the database can answer later.

A deadlock (another transaction took the stream's advisory lock and the same rows in the other
order) or a connection lost in a failover aborts one transaction and is gone a moment later;
without a retry procrastinate records the job as failed and the escalation never rings. Seen in
the Patroni failover test: an escalation due during the failover died on "deadlock detected".
The job itself is safe to run again: its transaction rolled back, and it checks its subject's
state under a row lock before acting."""

from django.db.utils import InterfaceError, OperationalError
from procrastinate import RetryStrategy

# 1 s, 2 s, 3 s … between attempts: ~3.5 minutes in all, longer than a failover takes.
TRANSIENT_DATABASE_ERRORS = RetryStrategy(max_attempts=20, wait=1, linear_wait=1,
                                          retry_exceptions={OperationalError, InterfaceError})
