"""Durable jobs of oversight, re-exported so procrastinate finds them (declared in
oversight.services): licence_reminders, hourly, tells the park and the enterprise once at 90
and 30 days before a licence lapses, and once when it lapsed."""

from oversight.services import licence_reminders

__all__ = ["licence_reminders"]
