"""Every write to incidents and assignments. One transaction per call; events emitted last.

Lock order (STYLE.md): resource rows (by id) → assignment → incident. Every function that
takes row locks says so; keeping one order is what prevents deadlocks between two
dispatchers and a responder acting at the same moment.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from procrastinate.contrib.django import app as jobs

import stream
from core.errors import DomainError
from core.roles import CONSOLE_ROLES, DISPATCH_ROLES, INTAKE_ROLES, has_role, require_role
from hazards import events as hazard_events
from hazards import services as hazard_services
from hazards.models import Release
from incidents import events
from incidents.models import (
    BREAKDOWN_WORDS,
    DECLINE_OUT_OF_SERVICE,
    Assignment,
    DeclineReason,
    Incident,
    IncidentRelease,
    IncidentType,
    Severity,
    TimelineEntry,
)
from notices import services as notice_services
from resources.models import Area, Resource

# reported → dispatched → in progress → contained → closed; a step back is allowed where a
# real incident flares up again (contained → in progress). Anything else is refused.
STATUS_TRANSITIONS = {
    Incident.Status.REPORTED: {Incident.Status.DISPATCHED, Incident.Status.CLOSED},
    Incident.Status.DISPATCHED: {Incident.Status.IN_PROGRESS, Incident.Status.CLOSED},
    Incident.Status.IN_PROGRESS: {Incident.Status.CONTAINED},
    Incident.Status.CONTAINED: {Incident.Status.IN_PROGRESS, Incident.Status.CLOSED},
    Incident.Status.CLOSED: set(),
}

# Which assignment statuses a responder may move to from which.
ASSIGNMENT_STEPS = {
    Assignment.Status.EN_ROUTE: {Assignment.Status.PENDING, Assignment.Status.ACKNOWLEDGED},
    Assignment.Status.ON_SCENE: {Assignment.Status.PENDING, Assignment.Status.ACKNOWLEDGED, Assignment.Status.EN_ROUTE},
    Assignment.Status.CLEARED: set(Assignment.ACTIVE_STATUSES),
}
RESOURCE_STATUS_FOR = {
    Assignment.Status.EN_ROUTE: Resource.Status.EN_ROUTE,
    Assignment.Status.ON_SCENE: Resource.Status.ON_SCENE,
    Assignment.Status.CLEARED: Resource.Status.AVAILABLE,
}


# --- validation helpers ------------------------------------------------------------

def parse_location(lon, lat) -> Point:
    """A WGS 84 point from user input, or a DomainError saying what is wrong with it."""
    try:
        lon_f, lat_f = float(lon), float(lat)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an integer of hundreds of digits
        raise DomainError(_("Coordinates must be numbers: longitude and latitude in decimal degrees.")) from None
    if not (math.isfinite(lon_f) and math.isfinite(lat_f)):
        raise DomainError(_("Coordinates must be finite numbers."))
    if not -180 <= lon_f <= 180:
        raise DomainError(_("Longitude must be between -180 and 180 (got %(lon)s).") % {"lon": lon})
    if not -90 <= lat_f <= 90:
        raise DomainError(_("Latitude must be between -90 and 90 (got %(lat)s).") % {"lat": lat})
    return Point(lon_f, lat_f, srid=4326)


_require = require_role


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


# Event types, their audiences and payloads are declared once, in incidents.events.
_INCIDENT_EVENTS = {"incident.created": events.INCIDENT_CREATED, "incident.updated": events.INCIDENT_UPDATED}
_ASSIGNMENT_EVENTS = {"assignment.created": events.ASSIGNMENT_CREATED, "assignment.updated": events.ASSIGNMENT_UPDATED}


def _emit_incident(incident: Incident, type_: str) -> None:
    stream.publish(_INCIDENT_EVENTS[type_], incident)


def _emit_assignment(assignment: Assignment, type_: str) -> None:
    stream.publish(_ASSIGNMENT_EVENTS[type_], assignment)


def _emit_resource(resource: Resource, incident: Incident | None) -> None:
    stream.publish(events.RESOURCE_UPDATED, resource, incident)


def district_outside_by_m(location: Point) -> float:
    """How far outside the district a point lies (0 inside or within the boundary's tolerance).

    The boundary is the base map's (places); a district without one falls back to its areas;
    with neither loaded (a blank install, most tests) nothing is refused.
    """
    from places.selectors import BOUNDARY_TOLERANCE_M, district_distance_m

    distance = district_distance_m(location)
    if distance is None and Area.objects.exists():
        nearest = (Area.objects.annotate(d=Distance("boundary", location)).order_by("d").values_list("d", flat=True)
                   .first())
        distance = nearest.m if nearest is not None else None
    return distance if distance and distance > BOUNDARY_TOLERANCE_M else 0.0


# --- incidents ---------------------------------------------------------------------

@transaction.atomic
def incident_log(*, actor, type_code: str, severity: str, lon, lat, title: str = "", address: str = "",
                 caller_name: str = "", caller_phone: str = "", description: str = "",
                 reported_at: datetime | None = None, exercise: bool = False,
                 outside_district: bool = False, risk_source=None, chemical=None) -> Incident:
    """Log a call. A point outside the district is refused unless the call-taker confirms it
    (`outside_district`): a mutual-aid call, or a typo that would send units 100 km away.
    `risk_source` and `chemical` (hazards objects) say what leaks or burns when it is known,
    as it is for an incident logged from a park alarm."""
    _require(actor, INTAKE_ROLES, _("Only duty officers, dispatchers and commanders may log incidents."))
    location = parse_location(lon, lat)
    outside_m = district_outside_by_m(location)
    if outside_m and not outside_district:
        raise DomainError(
            _("This point (%(lon).5f, %(lat).5f) is %(km).1f km outside the district. Check the coordinates, "
              "or confirm “outside the district / mutual aid” to log it anyway.") % {
                "lon": location.x, "lat": location.y, "km": outside_m / 1000},
            data={"outside_district_m": round(outside_m)})
    try:
        itype = IncidentType.objects.get(code=type_code)
    except IncidentType.DoesNotExist:
        raise DomainError(_("Unknown incident type “%(code)s”. Choose one of the listed types.") % {"code": type_code}) from None
    if severity not in Severity.values:
        raise DomainError(_("Severity must be one of I, II, III, IV (got “%(s)s”).") % {"s": severity})
    now = timezone.now()
    if reported_at and reported_at > now:
        raise DomainError(_("The call cannot have been received in the future."))
    incident = Incident.objects.create(
        number=_next_number(now),
        title=(title or "").strip() or f"{itype.name_zh} {address}".strip(),
        type=itype, severity=severity, location=location, address=address, caller_name=caller_name,
        caller_phone=caller_phone, description=description, reported_at=reported_at or now,
        area=Area.objects.filter(boundary__intersects=location).first(), created_by=actor,
        exercise=bool(exercise), outside_district=bool(outside_m), risk_source=risk_source, chemical=chemical,
    )
    _timeline(incident, actor, "logged", _("Incident logged: %(type)s, severity %(sev)s.") % {
        "type": itype.name_zh, "sev": incident.severity_numeral}, caller=caller_name)
    if outside_m:
        _timeline(incident, actor, "outside_district", _("Logged %(km).1f km outside the district, confirmed by the "
                                                          "call-taker (mutual aid).") % {"km": outside_m / 1000},
                  outside_district_m=round(outside_m))
    _emit_incident(incident, "incident.created")
    return incident


@transaction.atomic
def incident_record_call(*, actor, incident_id: int, caller_name: str = "", caller_phone: str = "",
                         note: str = "") -> Incident:
    """A further call about an incident already open: it goes on that incident's timeline."""
    _require(actor, INTAKE_ROLES, _("Only duty officers, dispatchers and commanders may record calls."))
    incident = _locked_incident(incident_id)
    if not incident.is_open:
        raise DomainError(_("Incident %(n)s is closed; log a new incident instead.") % {"n": incident.number},
                          status=409)
    who = " ".join(filter(None, [caller_name, caller_phone])) or _("unknown caller")
    _timeline(incident, actor, "call", _("Further call from %(who)s: %(note)s") % {"who": who, "note": note},
              caller_name=caller_name, caller_phone=caller_phone)
    _emit_incident(incident, "incident.updated")
    return incident


@transaction.atomic
def incident_change_status(*, actor, incident_id: int, status: str, note: str = "") -> Incident:
    _require(actor, INTAKE_ROLES, _("Your role cannot change an incident's status."))
    incident = _locked_incident(incident_id)
    if status not in Incident.Status.values:
        raise DomainError(_("Unknown status “%(s)s”.") % {"s": status})
    if status not in STATUS_TRANSITIONS[incident.status]:
        raise DomainError(_("An incident cannot go from “%(old)s” to “%(new)s”.") % {
            "old": incident.get_status_display(), "new": Incident.Status(status).label}, status=409)
    if status == Incident.Status.CLOSED and incident.assignments.filter(status__in=Assignment.ACTIVE_STATUSES).exists():
        raise DomainError(_("Units are still assigned; clear them before closing the incident."), status=409)
    old = incident.get_status_display()
    incident.status = status
    incident.closed_at = timezone.now() if status == Incident.Status.CLOSED else None
    incident.save(update_fields=["status", "closed_at"])
    text = _("Status: %(old)s → %(new)s.") % {"old": old, "new": incident.get_status_display()}
    _timeline(incident, actor, "status", f"{text} {note}".strip(), status=status)
    _emit_incident(incident, "incident.updated")
    return incident


@transaction.atomic
def incident_change_severity(*, actor, incident_id: int, severity: str, reason: str = "") -> Incident:
    _require(actor, INTAKE_ROLES, _("Your role cannot change an incident's severity."))
    if severity not in Severity.values:
        raise DomainError(_("Severity must be one of I, II, III, IV (got “%(s)s”).") % {"s": severity})
    incident = _locked_incident(incident_id)
    if incident.severity == severity:
        raise DomainError(_("The incident already has this severity."), status=409)
    old, old_numeral = incident.severity, incident.severity_numeral
    incident.severity = severity
    incident.save(update_fields=["severity"])
    _timeline(incident, actor, "severity", _("Severity %(old)s → %(new)s. %(reason)s") % {
        "old": old_numeral, "new": incident.severity_numeral, "reason": reason}, old=old, new=severity)
    _emit_incident(incident, "incident.updated")
    return incident


@transaction.atomic
def incident_add_note(*, actor, incident_id: int, text: str) -> TimelineEntry:
    _require(actor, INTAKE_ROLES, _("Your role cannot add to the timeline."))
    if not (text or "").strip():
        raise DomainError(_("Write something in the note."))
    incident = _locked_incident(incident_id)
    entry = _timeline(incident, actor, "note", text.strip())
    _emit_incident(incident, "incident.updated")
    return entry


def _locked_incident(incident_id) -> Incident:
    try:
        return Incident.objects.select_for_update(of=("self",)).select_related("type", "area").get(pk=incident_id)
    except (Incident.DoesNotExist, ValueError, TypeError):
        raise DomainError(_("No incident %(id)s.") % {"id": incident_id}, status=404) from None


def _next_number(now) -> str:
    year = timezone.localtime(now).year
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO incidents_incidentcounter (year, last) VALUES (%s, 1) "
            "ON CONFLICT (year) DO UPDATE SET last = incidents_incidentcounter.last + 1 RETURNING last",
            [year],
        )
        (last,) = cursor.fetchone()
    return f"{year}-{last:06d}"


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


class _Columns:
    """One model's concrete columns in a hand-written SELECT: the SQL list, and how to turn a
    slice of a row back into an instance with the ORM's own converters (PostGIS geometries)."""

    def __init__(self, model, alias):
        qn = connection.ops.quote_name
        self.model, self.fields = model, model._meta.concrete_fields
        self.sql = ", ".join(f"{alias}.{qn(f.column)}" for f in self.fields)
        self.attnames = [f.attname for f in self.fields]
        self.converters = []
        for field in self.fields:
            col = field.get_col(alias)
            found = connection.ops.get_db_converters(col) + field.get_db_converters(connection)
            self.converters.append((found, col))

    def build(self, values):
        if values[0] is None:  # the pk: no row (a LEFT JOIN found nothing)
            return None
        out = []
        for value, (converters, col) in zip(values, self.converters, strict=True):
            for convert in converters:
                value = convert(value, col, connection)
            out.append(value)
        return self.model.from_db(connection.alias, self.attnames, out)


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
        r, i = _Columns(Resource, '"r"'), _Columns(Incident, '"i"')
        t, a = _Columns(IncidentType, '"t"'), _Columns(Area, '"a"')
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

    sql, sql_params = _insert_sql(Assignment, created, with_pk=True)
    cte("dispatch_a", sql + " RETURNING *", sql_params)
    # The escalation jobs through procrastinate's own SQL function (the one its batch_defer
    # calls), configured by the task itself; args name each new assignment. A SELECT in a WITH
    # runs only when read: the history insert below reads its one row, so it runs exactly once.
    template = escalate_unacknowledged.configure(schedule_in={"seconds": settings.ESCALATION_TIMEOUT_S}).job
    rows = ", ".join(["ROW(%s, %s, %s, %s, %s, %s::jsonb, %s)::procrastinate_job_to_defer_v1"] * len(created))
    job_params = []
    for assignment in created:
        job_params += [template.queue, template.task_name, template.priority, template.lock, template.queueing_lock,
                       json.dumps({**template.task_kwargs, "assignment_id": assignment.pk}), template.scheduled_at]
    cte("dispatch_j", f"SELECT cardinality(procrastinate_defer_jobs_v1(ARRAY[{rows}])) AS deferred", job_params)
    sql, sql_params = _history_insert_sql(Assignment, "dispatch_a", "+", actor, now)
    cte("dispatch_ah", sql + " CROSS JOIN dispatch_j", sql_params)
    table = qn(Resource._meta.db_table)
    cte("dispatch_r", f"UPDATE {table} SET {qn('status')} = %s, {qn('status_since')} = %s "
                      f"WHERE {qn('id')} = ANY(%s) RETURNING *", [Resource.Status.DISPATCHED, now, [r.pk for r in resources]])
    cte("dispatch_rh", *_history_insert_sql(Resource, "dispatch_r", "~", actor, now))
    if promote:
        cte("dispatch_i", f"UPDATE {qn(Incident._meta.db_table)} SET {qn('status')} = %s WHERE {qn('id')} = %s "
                          f"RETURNING *", [incident.status, incident.pk])
        cte("dispatch_ih", *_history_insert_sql(Incident, "dispatch_i", "~", actor, now))
    cte("dispatch_t", *_insert_sql(TimelineEntry, [entry]))
    return parts


def _insert_sql(model, objs, *, with_pk: bool = False) -> tuple[str, list]:
    """The INSERT that bulk_create would run for `objs` (defaults and auto_now_add filled in on
    the objects too), as SQL to compose into a larger statement."""
    from django.db.models.sql import InsertQuery

    fields = [f for f in model._meta.local_concrete_fields if (with_pk or not f.primary_key) and not f.generated]
    query = InsertQuery(model)
    query.insert_values(fields, objs)
    [(sql, sql_params)] = query.get_compiler(connection=connection).as_sql()
    return sql, list(sql_params)


def _history_insert_sql(model, source: str, history_type: str, actor, now) -> tuple[str, list]:
    """INSERT … SELECT of simple_history rows for the rows the CTE `source` returned: the
    historical model's columns, each copied from the row, plus who, when and what ('+' created,
    '~' changed). A historical field the model does not have fails loudly (FieldDoesNotExist)."""
    qn = connection.ops.quote_name
    history = model.history.model
    columns, values, sql_params = [], [], []
    for field in history._meta.concrete_fields:
        if field.primary_key:  # history_id: its own sequence
            continue
        columns.append(qn(field.column))
        if field.attname == "history_date":
            values.append("%s")
            sql_params.append(now)
        elif field.attname == "history_change_reason":
            values.append("NULL")
        elif field.attname == "history_type":
            values.append("%s")
            sql_params.append(history_type)
        elif field.attname == "history_user_id":
            values.append("%s")
            sql_params.append(actor.pk)
        else:
            values.append(f"{source}.{qn(model._meta.get_field(field.name).column)}")
    return (f"INSERT INTO {qn(history._meta.db_table)} ({', '.join(columns)}) SELECT {', '.join(values)} "
            f"FROM {source}"), sql_params


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


def _locked_assignment(assignment_id, actor) -> tuple[Assignment, Resource]:
    """Lock an assignment's resource, then the assignment; check the actor may act on it."""
    try:
        resource_id = Assignment.objects.values_list("resource_id", flat=True).get(pk=assignment_id)
    except (Assignment.DoesNotExist, ValueError, TypeError):
        raise DomainError(_("No assignment %(id)s.") % {"id": assignment_id}, status=404) from None
    resource = Resource.objects.select_for_update().get(pk=resource_id)
    assignment = (Assignment.objects.select_for_update(of=("self",))
                  .select_related("incident__type", "incident__area", "resource").get(pk=assignment_id))
    if not _may_act(actor, assignment):
        if not has_role(actor, CONSOLE_ROLES):
            # A stranger learns nothing: the same answer as for an assignment that does not
            # exist, as GET /api/v1/assignments/<id>/ gives them (issue 16, point 12).
            raise DomainError(_("No assignment %(id)s.") % {"id": assignment_id}, status=404)
        raise DomainError(_("This assignment belongs to another unit."), status=403)
    return assignment, resource


def _may_act(actor, assignment) -> bool:
    if has_role(actor, INTAKE_ROLES | DISPATCH_ROLES):
        return True
    responder = getattr(actor, "responder", None)
    return responder is not None and responder.resource_id == assignment.resource_id


@transaction.atomic
def assignment_acknowledge(*, actor, assignment_id: int) -> Assignment:
    assignment, _resource = _locked_assignment(assignment_id, actor)
    if assignment.status != Assignment.Status.PENDING:
        if assignment.is_active and assignment.acknowledged_at:
            return assignment  # a double tap on a phone: already acknowledged, nothing to do
        # Declined, cleared or escalated away: acknowledging it now would tell the console a
        # unit is coming that is not (issue 16, point 8). The row lock above orders racing taps.
        raise DomainError(_("This assignment is %(s)s and can no longer be acknowledged.") % {
            "s": assignment.get_status_display()}, status=409)
    assignment.status = Assignment.Status.ACKNOWLEDGED
    assignment.acknowledged_at, assignment.acknowledged_by = timezone.now(), actor
    assignment.save(update_fields=["status", "acknowledged_at", "acknowledged_by"])
    _timeline(assignment.incident, actor, "acknowledged",
              _("%(unit)s acknowledged.") % {"unit": assignment.resource.name}, assignment=assignment.pk)
    _emit_assignment(assignment, "assignment.updated")
    return assignment


def decline_code_for(reason: str, code: str | None = None) -> str:
    """The kind of a decline: the one chosen, else read from the words (a breakdown named in the
    text, as "车辆故障", is a vehicle fault), else other."""
    if code:
        if code not in DeclineReason.values:
            raise DomainError(_("Unknown kind of reason “%(c)s”: choose one of %(all)s.") % {
                "c": code, "all": ", ".join(DeclineReason.values)})
        return code
    lowered = (reason or "").lower()
    for choice in DeclineReason:
        if lowered.strip() in (str(choice.label).lower(), choice.value):
            return choice.value
    if any(word in lowered for word in BREAKDOWN_WORDS):
        return DeclineReason.VEHICLE_FAULT
    return DeclineReason.OTHER


@transaction.atomic
def assignment_decline(*, actor, assignment_id: int, reason: str, code: str | None = None) -> Assignment:
    """A unit says it cannot go. Its next status follows the reason (DECLINE_OUT_OF_SERVICE: a
    broken vehicle is out of service, never 可用); an incident left with no active unit goes back
    to reported, so the console sees it needs units again. Lock order: resource → assignment →
    incident."""
    reason = (reason or "").strip()
    if not reason and code in DeclineReason.values:
        reason = str(DeclineReason(code).label)
    if not reason:
        raise DomainError(_("Say why the assignment is declined."))
    code = decline_code_for(reason, code)
    assignment, resource = _locked_assignment(assignment_id, actor)
    if assignment.status not in (Assignment.Status.PENDING, Assignment.Status.ACKNOWLEDGED):
        raise DomainError(_("This assignment is %(s)s and can no longer be declined.") % {
            "s": assignment.get_status_display()}, status=409)
    now = timezone.now()
    assignment.status, assignment.declined_at, assignment.decline_reason = Assignment.Status.DECLINED, now, reason[:300]
    assignment.decline_code = code
    assignment.save(update_fields=["status", "declined_at", "decline_reason", "decline_code"])
    out = code in DECLINE_OUT_OF_SERVICE
    resource.status = Resource.Status.OUT_OF_SERVICE if out else Resource.Status.AVAILABLE
    resource.status_since = now
    resource.save(update_fields=["status", "status_since"])
    incident = assignment.incident
    text = _("%(unit)s declined: %(reason)s") % {"unit": resource.name, "reason": reason}
    if out:
        text += " " + _("The unit is out of service until it is put back in service.")
    _timeline(incident, actor, "declined", text, assignment=assignment.pk, code=code,
              unit_status=resource.status)
    if (incident.status == Incident.Status.DISPATCHED
            and not incident.assignments.filter(status__in=Assignment.ACTIVE_STATUSES).exists()):
        incident = _locked_incident(incident.pk)
        incident.status = Incident.Status.REPORTED
        incident.save(update_fields=["status"])
        _timeline(incident, None, "status", _("No unit is assigned any more: the incident needs units again "
                                              "(status: %(s)s).") % {"s": incident.get_status_display()},
                  status=incident.status)
        assignment.incident = incident
        _emit_incident(incident, "incident.updated")
    _emit_assignment(assignment, "assignment.updated")
    _emit_resource(resource, None)
    return assignment


@transaction.atomic
def resource_return_to_service(*, actor, resource_id: int, note: str = "") -> Resource:
    """Put an out-of-service unit back in service (repaired, crewed): dispatchers, or the unit's
    own responders. The unit's status stays written by this module alone (docs/architecture.md)."""
    try:
        resource = Resource.objects.select_for_update().get(pk=resource_id)
    except (Resource.DoesNotExist, ValueError, TypeError):
        raise DomainError(_("No unit %(id)s.") % {"id": resource_id}, status=404) from None
    responder = getattr(actor, "responder", None)
    own = responder is not None and responder.resource_id == resource.pk
    if not own and not has_role(actor, DISPATCH_ROLES):
        raise DomainError(_("Only dispatchers and the unit's own responders may put it back in service."),
                          status=403)
    if resource.status != Resource.Status.OUT_OF_SERVICE:
        raise DomainError(_("%(unit)s is %(s)s, not out of service.") % {
            "unit": resource.name, "s": resource.get_status_display()}, status=409)
    resource.status, resource.status_since = Resource.Status.AVAILABLE, timezone.now()
    resource.save(update_fields=["status", "status_since"])
    _emit_resource(resource, None)
    return resource


@transaction.atomic
def assignment_set_status(*, actor, assignment_id: int, status: str) -> Assignment:
    if status not in ASSIGNMENT_STEPS:
        raise DomainError(_("Status must be one of en_route, on_scene, cleared (got “%(s)s”).") % {"s": status})
    assignment, resource = _locked_assignment(assignment_id, actor)
    if assignment.status == status:
        return assignment  # repeated tap
    if assignment.status not in ASSIGNMENT_STEPS[status]:
        raise DomainError(_("An assignment that is %(old)s cannot become %(new)s.") % {
            "old": assignment.get_status_display(), "new": Assignment.Status(status).label}, status=409)
    now = timezone.now()
    fields = ["status"]
    if assignment.acknowledged_at is None:
        # Moving is the strongest acknowledgement there is.
        assignment.acknowledged_at, assignment.acknowledged_by = now, actor
        fields += ["acknowledged_at", "acknowledged_by"]
    stamp = {"en_route": "en_route_at", "on_scene": "on_scene_at", "cleared": "cleared_at"}[status]
    setattr(assignment, stamp, now)
    assignment.status = status
    assignment.save(update_fields=fields + [stamp])
    resource.status, resource.status_since = RESOURCE_STATUS_FOR[status], now
    resource.save(update_fields=["status", "status_since"])
    incident = assignment.incident
    if status == Assignment.Status.ON_SCENE and incident.status == Incident.Status.DISPATCHED:
        incident = _locked_incident(incident.pk)
        incident.status = Incident.Status.IN_PROGRESS
        incident.save(update_fields=["status"])
        _emit_incident(incident, "incident.updated")
    _timeline(incident, actor, status, _("%(unit)s: %(status)s.") % {
        "unit": resource.name, "status": assignment.get_status_display()}, assignment=assignment.pk)
    _emit_assignment(assignment, "assignment.updated")
    _emit_resource(resource, None if status == Assignment.Status.CLEARED else incident)
    return assignment


@transaction.atomic
def exercise_units_release(*, actor, incident_id: int, reason: str = "") -> list[Assignment]:
    """Send every unit on an exercise incident back to service at once (a real call needs them).

    Units on a drill are really busy, so a real call sees them taken; this is the dispatcher's
    one-step way back. Only for exercise incidents: a real incident's units clear one by one.
    Locks the resources (in id order), then the assignments, then the incident.
    """
    _require(actor, DISPATCH_ROLES, _("Only dispatchers and commanders may release units."))
    try:
        incident = Incident.objects.only("pk", "exercise", "number").get(pk=incident_id)
    except (Incident.DoesNotExist, ValueError, TypeError):
        raise DomainError(_("No incident %(id)s.") % {"id": incident_id}, status=404) from None
    if not incident.exercise:
        raise DomainError(_("Incident %(n)s is real: its units are cleared one by one, not released at once.")
                          % {"n": incident.number}, status=409)
    resource_ids = sorted(Assignment.objects.filter(incident_id=incident.pk, status__in=Assignment.ACTIVE_STATUSES)
                          .values_list("resource_id", flat=True))
    resources = {r.pk: r for r in Resource.objects.select_for_update().filter(pk__in=resource_ids).order_by("pk")}
    assignments = list(Assignment.objects.select_for_update(of=("self",))
                       .filter(incident_id=incident.pk, resource_id__in=resource_ids,
                               status__in=Assignment.ACTIVE_STATUSES)
                       .select_related("incident__type", "incident__area", "resource").order_by("resource_id"))
    incident = _locked_incident(incident.pk)
    now = timezone.now()
    for assignment in assignments:
        assignment.status = Assignment.Status.CANCELLED
        assignment.save(update_fields=["status"])
        resource = resources[assignment.resource_id]
        resource.status, resource.status_since = Resource.Status.AVAILABLE, now
        resource.save(update_fields=["status", "status_since"])
    if assignments:
        names = ", ".join(a.resource.name for a in assignments)
        _timeline(incident, actor, "released", (_("Exercise units released: %(names)s.") % {"names": names}
                                                + (f" {reason}" if reason else "")),
                  resources=[a.resource_id for a in assignments])
        for assignment in assignments:
            _emit_assignment(assignment, "assignment.updated")
            _emit_resource(resources[assignment.resource_id], None)
        _emit_incident(incident, "incident.updated")
    return assignments


@transaction.atomic
def assignment_escalate(*, assignment_id: int) -> Assignment | None:
    """Run by the escalation job. Does nothing unless the assignment is still unacknowledged.

    Re-pushes the assignment to its unit (a fresh `assignment.escalated` event on the unit's
    audience rings the phone again), raises it to the console and the officers on duty,
    writes the timeline, and schedules the next round up to ESCALATION_MAX_ROUNDS.
    """
    try:
        resource_id = Assignment.objects.values_list("resource_id", flat=True).get(pk=assignment_id)
    except Assignment.DoesNotExist:
        return None
    Resource.objects.select_for_update().get(pk=resource_id)
    assignment = (Assignment.objects.select_for_update(of=("self",))
                  .select_related("incident__type", "incident__area", "resource").get(pk=assignment_id))
    if assignment.status != Assignment.Status.PENDING:
        return None
    assignment.escalations += 1
    assignment.last_escalated_at = timezone.now()
    assignment.save(update_fields=["escalations", "last_escalated_at"])
    _timeline(assignment.incident, None, "escalated",
              _("%(unit)s has not acknowledged after %(s)s s: escalated (round %(n)s).") % {
                  "unit": assignment.resource.name,
                  "s": settings.ESCALATION_TIMEOUT_S * assignment.escalations, "n": assignment.escalations},
              assignment=assignment.pk)
    stream.publish(events.ASSIGNMENT_ESCALATED, assignment)
    if assignment.escalations == 1:  # a locked phone hears the first escalation by SMS (issue 21)
        notice_services.notify_flow(
            source="assignment.escalated", channels_wanted=["sms"], incident_id=assignment.incident_id,
            drill=assignment.incident.exercise, targets=[{"kind": "unit_crew", "id": assignment.resource_id}],
            title=_("%(unit)s: assignment to %(number)s not acknowledged") % {
                "unit": assignment.resource.name, "number": assignment.incident.number},
            body=_("Open the responder page and acknowledge."))
    if assignment.escalations < settings.ESCALATION_MAX_ROUNDS:
        escalate_unacknowledged.configure(schedule_in={"seconds": settings.ESCALATION_TIMEOUT_S}).defer(
            assignment_id=assignment.pk)
    return assignment


# --- toxic releases modelled for an incident ------------------------------------------

@transaction.atomic
def incident_release_model(*, user, incident: int | None = None, location: Point | None = None,
                           exercise: bool = False, **release) -> Release:
    """Model a toxic release (hazards.services.release_model), for an incident when one is given.

    The incident gives the release point when none is given, makes the release an exercise
    if it is one, and is linked here (IncidentRelease: the incident owns the relation); its
    threat zones are announced with the incident's id. Without an incident this is
    release_model itself.
    """
    if incident is None:
        return hazard_services.release_model(user=user, location=location, exercise=exercise, **release)
    found = Incident.objects.filter(pk=incident).only("pk", "location", "exercise").first()
    if found is None:
        raise DomainError(_("Unknown incident %(id)s.") % {"id": incident})
    modelled = hazard_services.release_model(user=user, location=location or found.location,
                                             exercise=exercise or found.exercise, announce=False, **release)
    IncidentRelease.objects.create(incident=found, release=modelled)
    for zone in modelled.zones.order_by("pk"):
        stream.publish(hazard_events.ZONE_CREATED, zone, modelled, found.pk)
    _release_reaches_the_incident(user, found, modelled)
    return modelled


def _release_reaches_the_incident(user, incident: Incident, release: Release) -> None:
    """The model's result is the incident's (issue 22, point 2): a timeline entry with the wind,
    the zones, the threatened targets and the units standing inside a zone, and an event that
    reaches the incident's units (their phones show wind, approach and zone distances)."""
    from incidents.selectors import release_brief, units_in_zones

    brief = release_brief(release)
    active = list(Assignment.objects.filter(incident=incident, status__in=Assignment.ACTIVE_STATUSES)
                  .values_list("resource_id", flat=True))
    inside = units_in_zones(release=release)
    names = dict(Resource.objects.filter(pk__in=inside).values_list("pk", "name"))
    zones = ", ".join(_("%(level)s %(km).1f km") % {"level": z["level"], "km": z["distance_m"] / 1000}
                      for z in brief["zones"])
    text = _("Toxic release modelled: %(chemical)s %(rate)s kg/s, wind from %(dir)s (%(deg)s°) at %(speed)s m/s, "
             "class %(stab)s; approach from the %(dir)s (upwind). Zones downwind: %(zones)s.") % {
        "chemical": release.chemical.name, "rate": f"{release.rate_kg_s:g}", "dir": brief["wind_from"],
        "deg": brief["wind_from_deg"], "speed": f"{release.wind_speed_ms:g}", "stab": release.stability,
        "zones": zones or "—"}
    threatened = [_("%(name)s (%(kind)s, %(people)s people, %(level)s)") % {
        "name": t["name"], "kind": _target_kind(t.get("kind")), "people": t.get("population", 0), "level": z["level"]}
        for z in brief["zones"] for t in z["targets"]]
    if threatened:
        text += " " + _("Threatened: %(list)s.") % {"list": "; ".join(threatened)}
    if inside:
        text += " " + _("Units inside a zone: %(list)s.") % {"list": "; ".join(
            f"{names.get(rid, rid)} ({level})" for rid, level in sorted(inside.items()))}
    _timeline(incident, user, "release", text, release=release.pk,
              targets=[t["id"] for z in brief["zones"] for t in z["targets"]],
              units_inside={str(k): v for k, v in inside.items()})
    stream.publish(events.RELEASE_LINKED, incident, release, active)


def _target_kind(kind) -> str:
    from hazards.models import SensitiveTarget

    try:
        return str(SensitiveTarget.Kind(kind).label)
    except ValueError:
        return kind or ""


# --- durable jobs (procrastinate) ---------------------------------------------------------
# Declared beside the services they run, so services defer them without importing
# incidents.tasks (which re-exports them for procrastinate) and no import loop exists.

@jobs.task(name="incidents.escalate_unacknowledged", queue="escalations")
def escalate_unacknowledged(assignment_id: int) -> None:
    assignment_escalate(assignment_id=assignment_id)
