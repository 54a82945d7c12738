"""The incident timeline and the incident row lock, each with its one writer here
(tests/house/test_one_writer.py): services of every app call timeline_add and incident_lock."""

from __future__ import annotations

from django.db import connection
from django.utils.translation import gettext as _

from core.errors import DomainError
from incidents.models import (
    Incident,
    TimelineEntry,
)

# --- the timeline: its one writer ----------------------------------------------------

def timeline_add(*, incident: Incident | int, actor, kind: str, text: str, data: dict | None = None) -> TimelineEntry:
    """Append an entry to an incident's timeline: the only code that writes TimelineEntry.

    Services of every app call it inside their own transaction (it opens none: a savepoint
    per entry would cost two queries for nothing). `incident` is the row or its id; an
    append needs no lock on the incident.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("incidents.services.timeline_add must be called inside the caller's transaction")
    target = {"incident": incident} if isinstance(incident, Incident) else {"incident_id": incident}
    return TimelineEntry.objects.create(**target, actor=actor, kind=kind, text=text, data=data or {})


def _timeline_entry(incident: Incident, actor, kind: str, text: str, data: dict) -> TimelineEntry:
    """An unsaved entry for a service that writes it inside a batched statement (dispatch):
    built here, beside timeline_add, so this module stays the timeline's one writer."""
    return TimelineEntry(incident=incident, actor=actor, kind=kind, text=text, data=data)


def incident_lock(*, incident_id) -> Incident:
    """The incident row, locked for the rest of the caller's transaction (lock order: resources,
    then assignments, then the incident), or DomainError 404."""
    return _locked_incident(incident_id)


def _timeline(incident, actor, kind, text, **data) -> TimelineEntry:
    return timeline_add(incident=incident, actor=actor, kind=kind, text=text, data=data)


def _locked_incident(incident_id) -> Incident:
    try:
        return Incident.objects.select_for_update(of=("self",)).select_related("type", "area").get(pk=incident_id)
    except (Incident.DoesNotExist, ValueError, TypeError):
        raise DomainError(_("No incident %(id)s.") % {"id": incident_id}, status=404) from None
