"""Dispatch: units sent to an incident, all or none, in one locked statement (issue 15).

Lock order: the units (in id order), then the incident."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import stream
from core.errors import DomainError
from core.roles import DISPATCH_ROLES
from incidents import events
from incidents.models import (
    Assignment,
    Incident,
    IncidentType,
    TimelineEntry,
)
from incidents.services import dispatch_sql
from incidents.services.base import _ASSIGNMENT_EVENTS, _INCIDENT_EVENTS, _require
from incidents.services.responders import escalate_unacknowledged
from incidents.services.timeline import _timeline_entry
from resources.models import Area, Resource

# --- dispatch ----------------------------------------------------------------------

def assignment_create(*, actor, incident_id: int, resource_ids: Iterable[int]) -> list[Assignment]:
    """Send units to an incident: all of them, or none.

    Locks the resource rows (in id order) before the incident. Two dispatchers sending the
    same unit: the second waits for the first's commit, then finds the unit taken and gets a
    409 naming it and who took it. The partial unique index on active assignments is the
    backstop should any path skip the lock.
    """
    _require(actor, DISPATCH_ROLES, _("Only dispatchers and commanders may dispatch units."))
    try:
        ids = sorted({int(r) for r in resource_ids})
    except (TypeError, ValueError):
        raise DomainError(_("Resources must be a list of resource ids.")) from None
    if not ids:
        raise DomainError(_("Choose at least one unit to dispatch."))
    try:
        with transaction.atomic():
            return _assignment_create_locked(actor, incident_id, ids)
    except IntegrityError:
        raise DomainError(_("One of these units was dispatched by someone else at the same moment; "
                            "reload the recommendations."), status=409) from None


def _assignment_create_locked(actor, incident_id, ids) -> list[Assignment]:
    # Each locked unit comes with the id its assignment will have (drawn from the assignments'
    # own sequence), so the events can be built before the one statement that writes it all.
    # An id drawn for a dispatch that is then refused is a gap, as a rolled-back INSERT leaves.
    resources, incident = _lock_units_and_incident(ids, incident_id)
    missing = set(ids) - {r.pk for r in resources}
    if missing:
        raise DomainError(_("No resource with id %(ids)s.") % {"ids": ", ".join(map(str, sorted(missing)))},
                          status=404)
    if incident is None:
        raise DomainError(_("No incident %(id)s.") % {"id": incident_id}, status=404)
    if not incident.is_open:
        raise DomainError(_("Incident %(n)s is closed.") % {"n": incident.number}, status=409)
    unavailable = [r for r in resources if r.status != Resource.Status.AVAILABLE or not r.is_dispatchable]
    if unavailable:
        raise DomainError(
            _("Not available: %(units)s. Nothing was dispatched.") % {"units": "; ".join(_why_unavailable(r) for r in unavailable)},
            status=409,
            data={"unavailable": [{"id": r.pk, "name": r.name, "status": r.status} for r in unavailable]},
        )
    now = timezone.now()
    created = [Assignment(pk=resource.new_assignment_id, incident=incident, resource=resource, created_by=actor)
               for resource in resources]
    for resource in resources:
        resource.status, resource.status_since = Resource.Status.DISPATCHED, now
    promote = incident.status == Incident.Status.REPORTED
    if promote:
        incident.status = Incident.Status.DISPATCHED
    names = ", ".join(r.name for r in resources)
    entry = _timeline_entry(incident, actor, "dispatch", _("Dispatched: %(names)s.") % {"names": names},
                            {"resources": ids})
    writes = _dispatch_writes(actor, incident, resources, created, entry, now, promote=promote)
    stream.publish_many([
        *(item for assignment in created for item in (
            (_ASSIGNMENT_EVENTS["assignment.created"], (assignment,)),
            (events.RESOURCE_UPDATED, (assignment.resource, incident)))),
        (_INCIDENT_EVENTS["incident.updated"], (incident,)),
    ], along=writes)
    for assignment in created:
        assignment._state.adding, assignment._state.db = False, connection.alias
    return created


_DISPATCH_LOCK = None


def _lock_units_and_incident(ids, incident_id) -> tuple[list[Resource], Incident | None]:
    """Lock the units (in id order, each with the id its assignment will have) and then the
    incident (with its type and area), in one statement instead of two (issue 15).

    The lock order stays units → incident: the incident's row is read under a filter that
    counts every locked unit first, so PostgreSQL cannot lock it before all the units are
    (a materialised CTE with FOR UPDATE runs completely when read). Units are returned even
    when the incident does not exist (None), so the caller's 404s stay as they were."""
    global _DISPATCH_LOCK
    try:
        incident_pk = int(incident_id)
    except (TypeError, ValueError):
        raise DomainError(_("No incident %(id)s.") % {"id": incident_id}, status=404) from None
    if _DISPATCH_LOCK is None:  # built once per process: the SQL does not depend on the input
        qn = connection.ops.quote_name
        r, i = dispatch_sql.Columns(Resource, '"r"'), dispatch_sql.Columns(Incident, '"i"')
        t, a = dispatch_sql.Columns(IncidentType, '"t"'), dispatch_sql.Columns(Area, '"a"')
        sql = (
            f"WITH units AS MATERIALIZED (SELECT {r.sql}, nextval(pg_get_serial_sequence(%s, 'id')) "
            f"FROM {qn(Resource._meta.db_table)} r WHERE r.{qn('id')} = ANY(%s) ORDER BY r.{qn('id')} FOR UPDATE OF r), "
            f"target AS MATERIALIZED (SELECT {i.sql}, {t.sql}, {a.sql} FROM {qn(Incident._meta.db_table)} i "
            f"JOIN {qn(IncidentType._meta.db_table)} t ON t.{qn('id')} = i.{qn('type_id')} "
            f"LEFT JOIN {qn(Area._meta.db_table)} a ON a.{qn('id')} = i.{qn('area_id')} "
            f"WHERE i.{qn('id')} = %s AND (SELECT count(*) FROM units) >= 0 FOR UPDATE OF i) "
            f"SELECT * FROM units LEFT JOIN target ON true ORDER BY 1")
        _DISPATCH_LOCK = (sql, r, i, t, a)
    sql, r, i, t, a = _DISPATCH_LOCK
    with connection.cursor() as cursor:
        cursor.execute(sql, [Assignment._meta.db_table, ids, incident_pk])
        rows = cursor.fetchall()
    resources, incident = [], None
    nr, ni, nt = len(r.fields), len(i.fields), len(t.fields)
    for row in rows:
        resource = r.build(row[:nr])
        resource.new_assignment_id = row[nr]
        resources.append(resource)
        if incident is None:
            rest = row[nr + 1:]
            incident = i.build(rest[:ni])
            if incident is not None:
                incident.type = t.build(rest[ni:ni + nt])
                incident.area = a.build(rest[ni + nt:])
    return resources, incident


def _dispatch_writes(actor, incident, resources, created, entry, now, *, promote: bool) -> list:
    """Every row of a dispatch, as data-modifying CTEs that run in the events' own statement
    (stream.emit_many's `along`, issue 15): the assignments and their history, the units'
    new status and their history, the incident's (and its history) when it was only reported,
    the timeline entry and one escalation job per assignment. One round trip instead of eight,
    and no ORM bulk machinery in Python. Each CTE runs exactly once, in this transaction, so the
    guarantees are those of separate statements: history rows name the dispatcher (as
    simple_history's bulk helpers would), the jobs are deferred in the transaction (a rollback
    cancels them), the unique index on active assignments still refuses a unit booked twice
    (IntegrityError, a 409 in assignment_create), the events keep their order and seq lock."""
    qn = connection.ops.quote_name
    parts = []

    def cte(name, sql, sql_params):
        parts.append((name, sql, list(sql_params)))

    sql, sql_params = dispatch_sql.insert_sql(Assignment, created, with_pk=True)
    cte("dispatch_a", sql + " RETURNING *", sql_params)
    # The escalation jobs through procrastinate's own SQL function (the one its batch_defer
    # calls), configured by the task itself; args name each new assignment. A SELECT in a WITH
    # runs only when read: the history insert below reads its one row, so it runs exactly once.
    template = escalate_unacknowledged.configure(schedule_in={"seconds": settings.ESCALATION_TIMEOUT_S}).job
    cte("dispatch_j", *dispatch_sql.defer_jobs_sql(template, [{"assignment_id": a.pk} for a in created]))
    sql, sql_params = dispatch_sql.history_insert_sql(Assignment, "dispatch_a", "+", actor, now)
    cte("dispatch_ah", sql + " CROSS JOIN dispatch_j", sql_params)
    table = qn(Resource._meta.db_table)
    cte("dispatch_r", f"UPDATE {table} SET {qn('status')} = %s, {qn('status_since')} = %s "
                      f"WHERE {qn('id')} = ANY(%s) RETURNING *", [Resource.Status.DISPATCHED, now, [r.pk for r in resources]])
    cte("dispatch_rh", *dispatch_sql.history_insert_sql(Resource, "dispatch_r", "~", actor, now))
    if promote:
        cte("dispatch_i", f"UPDATE {qn(Incident._meta.db_table)} SET {qn('status')} = %s WHERE {qn('id')} = %s "
                          f"RETURNING *", [incident.status, incident.pk])
        cte("dispatch_ih", *dispatch_sql.history_insert_sql(Incident, "dispatch_i", "~", actor, now))
    cte("dispatch_t", *dispatch_sql.insert_sql(TimelineEntry, [entry]))
    return parts


def _why_unavailable(resource: Resource) -> str:
    if not resource.is_dispatchable:
        return _("%(name)s (a %(kind)s is not dispatched)") % {"name": resource.name, "kind": resource.get_kind_display()}
    active = (Assignment.objects.filter(resource=resource, status__in=Assignment.ACTIVE_STATUSES)
              .select_related("incident", "created_by").first())
    if active:
        who = active.created_by.get_full_name() or active.created_by.username
        if active.incident.exercise:
            # Really busy, but the dispatcher may release it at once (drills: release units).
            return _("%(name)s (on exercise %(number)s, 演练 / EXERCISE: release the exercise's units to use it)") % {
                "name": resource.name, "number": active.incident.number}
        return _("%(name)s (taken by %(who)s for %(number)s)") % {
            "name": resource.name, "who": who, "number": active.incident.number}
    return _("%(name)s (%(status)s)") % {"name": resource.name, "status": resource.get_status_display()}
