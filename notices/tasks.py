"""Durable jobs (procrastinate): one send per receipt, and chasing at the confirmation deadline.
Declared beside the services they run (notices.services); re-exported here for procrastinate."""

from notices.services import chase_notice, send_receipt

__all__ = ["chase_notice", "send_receipt"]
