"""Writes of closed park management: passages and who is where, hazmat appointments (预约) and
the gate's rule, counts corrected, alarms acknowledged. Vehicle positions: park.services.tracking."""

from __future__ import annotations

import datetime as dt
import math

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import stream
from core.errors import DomainError
from core.roles import ENTERPRISE_OFFICER, enterprise_scope, has_role, require_role
from hazards.models import Enterprise
from park import events, routing
from park.models import (
    AlarmState,
    Correction,
    Gate,
    GateAlarm,
    HazmatAppointment,
    ParkZone,
    Passage,
    Stay,
    VehicleAlarm,
    ZoneAdjustment,
)
from park.parsing import GateEvent
from park.permissions import ALARM_ACK_ROLES, BOOKING_ROLES, CORRECTION_ROLES

MAX_WINDOW = dt.timedelta(hours=24)
MAX_AHEAD = dt.timedelta(days=30)


# --- passages -----------------------------------------------------------------------------


def passages_store(*, events_in: list[GateEvent], device: str) -> tuple[int, list[tuple[int, str]]]:
    """Store passages reported by gate device `device` (its code); one transaction. Answers
    (how many were new, [(index, reason)] of those refused). A passage sent again (same gate,
    time, plate or person) is accepted and stored once."""
    gates = {g.code: g for g in Gate.objects.filter(code__in={e.gate for e in events_in})
             .select_related("zone_inside", "zone_outside")}
    refused, new = [], 0
    with transaction.atomic():
        for index, event in enumerate(events_in):
            gate = gates.get(event.gate)
            if gate is None:
                refused.append((index, _("Unknown gate “%(g)s”.") % {"g": event.gate}))
                continue
            if gate.kind == Gate.Kind.VEHICLE and not event.plate:
                refused.append((index, _("Gate “%(g)s” is a vehicle lane: give the “plate”.") % {"g": gate.code}))
                continue
            if gate.kind == Gate.Kind.PERSON and not event.person:
                refused.append((index, _("Gate “%(g)s” is a person lane: give the “person”.") % {"g": gate.code}))
                continue
            passage = _passage_insert(gate, event, device)
            if passage is None:
                continue  # the same passage again: stored once
            new += 1
            _passage_apply(gate, passage)
    return new, refused


def _passage_insert(gate: Gate, event: GateEvent, device: str) -> Passage | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO park_passage (gate_id, direction, at, plate, person, vehicle_class, device, received_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, now()) ON CONFLICT ON CONSTRAINT park_passage_once DO NOTHING "
            "RETURNING id", [gate.pk, event.direction, event.at, event.plate, event.person, event.vehicle_class,
                             device[:48]])
        row = cursor.fetchone()
    if row is None:
        return None
    return Passage(pk=row[0], gate=gate, direction=event.direction, at=event.at, plate=event.plate,
                   person=event.person, vehicle_class=event.vehicle_class, device=device)


def _passage_apply(gate: Gate, passage: Passage) -> None:
    """Move the person or vehicle to the zone the passage leads to; check a hazmat vehicle's
    appointment at the park's boundary."""
    into = gate.zone_inside if passage.direction == "in" else gate.zone_outside
    kind = Stay.Kind.VEHICLE if passage.plate else Stay.Kind.PERSON
    subject = passage.plate or passage.person
    appointment = None
    hazmat = passage.vehicle_class == "hazmat"
    if passage.plate:
        appointment = appointment_for(passage.plate, passage.at)
        hazmat = hazmat or appointment is not None
    if hazmat and passage.direction == "in" and gate.zone_outside_id is None:
        appointment = _gate_rule(gate, passage)
    current = Stay.objects.select_for_update().filter(kind=kind, subject=subject).first()
    if into is None:
        if current is not None:
            current.delete()
        return
    if current is None:
        Stay.objects.create(kind=kind, subject=subject, zone=into, hazmat=hazmat, appointment=appointment,
                            since=passage.at)
    elif passage.at >= current.since:
        current.zone, current.since = into, passage.at
        current.hazmat = hazmat or current.hazmat
        current.appointment = appointment or current.appointment
        current.save()


def appointment_for(plate: str, at: dt.datetime) -> HazmatAppointment | None:
    """The approved appointment whose window holds `at` (any gate)."""
    return (HazmatAppointment.objects.filter(plate=plate, state=HazmatAppointment.State.APPROVED,
                                             window_from__lte=at, window_to__gte=at)
            .order_by("window_from").first())


def _gate_rule(gate: Gate, passage: Passage) -> HazmatAppointment | None:
    """出入园: a hazmat vehicle enters with an approved appointment for this gate and time, its
    driver and escort qualified that day. Anything else raises a gate alarm. Answers the
    appointment it entered by (None when there is none)."""
    approved = HazmatAppointment.objects.filter(plate=passage.plate, state=HazmatAppointment.State.APPROVED)
    here = approved.filter(gate=gate, window_from__lte=passage.at, window_to__gte=passage.at).first()
    day = timezone.localtime(passage.at).date()
    if here is not None:
        if here.driver_licence_valid_to < day or here.escort_licence_valid_to < day:
            _gate_alarm(gate, passage, GateAlarm.Kind.EXPIRED_QUALIFICATION, here,
                        _("Appointment #%(id)s: a qualification expired on %(d)s.") % {
                            "id": here.pk, "d": min(here.driver_licence_valid_to, here.escort_licence_valid_to)})
        return here
    other_gate = approved.filter(window_from__lte=passage.at, window_to__gte=passage.at).first()
    if other_gate is not None:
        _gate_alarm(gate, passage, GateAlarm.Kind.WRONG_GATE, other_gate,
                    _("Appointment #%(id)s is for gate %(g)s.") % {"id": other_gate.pk, "g": other_gate.gate.code})
        return other_gate
    nearest = (approved.filter(gate=gate).annotate().order_by("-window_from").first())
    if nearest is not None:
        _gate_alarm(gate, passage, GateAlarm.Kind.OUTSIDE_WINDOW, nearest,
                    _("Appointment #%(id)s is for %(a)s – %(b)s.") % {
                        "id": nearest.pk, "a": timezone.localtime(nearest.window_from).strftime("%Y-%m-%d %H:%M"),
                        "b": timezone.localtime(nearest.window_to).strftime("%H:%M")})
        return None
    _gate_alarm(gate, passage, GateAlarm.Kind.NO_APPOINTMENT, None,
                _("No approved appointment for %(p)s.") % {"p": passage.plate})
    return None


def _gate_alarm(gate, passage, kind, appointment, reason) -> GateAlarm:
    alarm = GateAlarm.objects.create(gate=gate, passage_id=passage.pk, plate=passage.plate, kind=kind,
                                     reason=reason[:300], raised_at=passage.at,
                                     enterprise_id=appointment.destination_id if appointment else None)
    stream.publish(events.GATE_ALARM, alarm)
    return alarm


# --- alarms -------------------------------------------------------------------------------


def _ack_check(actor, alarm) -> None:
    require_role(actor, ALARM_ACK_ROLES, _("Your role may not acknowledge park alarms."))
    scope = enterprise_scope(actor)
    if scope is not None and alarm.enterprise_id != scope:
        raise DomainError(_("This alarm is not your enterprise's."), status=404)


def gate_alarm_acknowledge(*, actor, alarm_id: int, note: str = "") -> GateAlarm:
    with transaction.atomic():
        alarm = GateAlarm.objects.select_for_update().select_related("gate").filter(pk=alarm_id).first()
        if alarm is None:
            raise DomainError(_("No such gate alarm."), status=404)
        _ack_check(actor, alarm)
        if alarm.state != AlarmState.ACTIVE:
            raise DomainError(_("This alarm is already acknowledged."), status=409)
        alarm.state, alarm.acknowledged_by, alarm.acknowledged_at = AlarmState.ACKNOWLEDGED, actor, timezone.now()
        alarm.note = (note or "")[:300]
        alarm.save()
        stream.publish(events.GATE_ALARM, alarm)
    return alarm


def vehicle_alarm_acknowledge(*, actor, alarm_id: int) -> VehicleAlarm:
    with transaction.atomic():
        alarm = VehicleAlarm.objects.select_for_update().filter(pk=alarm_id).first()
        if alarm is None:
            raise DomainError(_("No such vehicle alarm."), status=404)
        _ack_check(actor, alarm)
        if alarm.state != AlarmState.ACTIVE:
            raise DomainError(_("This alarm is not active."), status=409)
        alarm.state, alarm.acknowledged_by = AlarmState.ACKNOWLEDGED, actor
        alarm.save()
        stream.publish(events.VEHICLE_ALARM, alarm)
    return alarm


# --- who is where -------------------------------------------------------------------------


def presence_correct(*, actor, zone_code: str, people: int | None = None, vehicles: int | None = None,
                     hazmat_vehicles: int | None = None, note: str = "") -> dict:
    """An operator sets a zone's counts (what they counted): the difference to the stays is kept
    as the zone's adjustment until the nightly count."""
    from park import selectors

    require_role(actor, CORRECTION_ROLES, _("Your role may not correct the park's counts."))
    values = {"people": people, "vehicles": vehicles, "hazmat_vehicles": hazmat_vehicles}
    for name, value in values.items():
        if value is not None and (type(value) is not int or not 0 <= value <= 1_000_000):
            raise DomainError(_("“%(f)s” must be a whole number from 0 to 1000000.") % {"f": name})
    if all(v is None for v in values.values()):
        raise DomainError(_("Give at least one of people, vehicles, hazmat_vehicles."))
    with transaction.atomic():
        zone = ParkZone.objects.select_for_update().filter(code=zone_code).first() if isinstance(zone_code, str) else None
        if zone is None:
            raise DomainError(_("Unknown zone “%(z)s”.") % {"z": zone_code})
        before = selectors.zone_counts(zone_ids=[zone.pk])[zone.pk]
        raw = selectors.zone_counts(zone_ids=[zone.pk], adjusted=False)[zone.pk]
        adjustment, _created = ZoneAdjustment.objects.get_or_create(zone=zone)
        for name, value in values.items():
            if value is not None:
                setattr(adjustment, name, value - raw[name])
        adjustment.save()
        after = selectors.zone_counts(zone_ids=[zone.pk])[zone.pk]
        Correction.objects.create(zone=zone, by=actor, source=Correction.Source.OPERATOR, before=before,
                                  after=after, note=(note or "")[:300])
    return after


def nightly_count(*, now: dt.datetime | None = None) -> dict:
    """The nightly count: stays without a passage for PARK_STAY_MAX_H end (a missed exit), and
    the operators' adjustments start afresh. Answers what it ended."""
    now = now or timezone.now()
    with transaction.atomic():
        ended, _detail = Stay.objects.filter(since__lt=now - dt.timedelta(hours=settings.PARK_STAY_MAX_H)).delete()
        reset = ZoneAdjustment.objects.exclude(people=0, vehicles=0, hazmat_vehicles=0).count()
        ZoneAdjustment.objects.all().delete()
        Correction.objects.create(source=Correction.Source.NIGHTLY, after={"ended_stays": ended, "reset": reset})
    return {"ended_stays": ended, "reset_adjustments": reset}


# --- hazmat appointments (预约) -------------------------------------------------------------


def appointment_book(*, actor, plate: str, driver: str, driver_licence_valid_to: dt.date, escort: str,
                     escort_licence_valid_to: dt.date, un_number: str, quantity_t: float, destination: int,
                     window_from: dt.datetime, window_to: dt.datetime, gate: str, driver_licence: str = "",
                     escort_licence: str = "", now: dt.datetime | None = None) -> HazmatAppointment:
    """Book a hazardous-chemical vehicle's entry. Input that cannot be an appointment is a 400;
    an appointment the rules refuse is stored `refused` with its reason (the enterprise sees why):
    a qualification that expires before the window ends, a window over 24 h, no free place in a
    hazmat lot for the window, no road open to hazardous goods. Approved, it gets its route."""
    require_role(actor, BOOKING_ROLES, _("Only the enterprise's safety officer or the park books hazmat entries."))
    now = now or timezone.now()
    target = Enterprise.objects.filter(pk=destination).first() if type(destination) is int else None
    if target is None:
        raise DomainError(_("Unknown destination enterprise."), data={"field": "destination"})
    scope = enterprise_scope(actor) if has_role(actor, {ENTERPRISE_OFFICER}) else None
    if scope is not None and target.pk != scope:
        raise DomainError(_("You may book only for your own enterprise."), status=403)
    entry = Gate.objects.filter(code=gate).first() if isinstance(gate, str) else None
    if entry is None:
        raise DomainError(_("Unknown gate “%(g)s”.") % {"g": gate}, data={"field": "gate"})
    if entry.kind != Gate.Kind.VEHICLE or entry.zone_outside_id is not None:
        raise DomainError(_("Gate “%(g)s” is not a vehicle entrance of the park.") % {"g": gate},
                          data={"field": "gate"})
    if window_to <= window_from:
        raise DomainError(_("The window must end after it starts."), data={"field": "window_to"})
    if window_to <= now:
        raise DomainError(_("The window is over already."), data={"field": "window_to"})
    if window_from > now + MAX_AHEAD:
        raise DomainError(_("Book at most 30 days ahead."), data={"field": "window_from"})
    if not math.isfinite(quantity_t) or not 0 < quantity_t <= 100:
        raise DomainError(_("“quantity_t” must be more than 0 and at most 100 t."), data={"field": "quantity_t"})
    with transaction.atomic():
        # One booking at a time decides the lots' places (two at once could both take the last).
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [7_302_401])
        appointment = HazmatAppointment(
            plate=plate, driver=driver, driver_licence=driver_licence, driver_licence_valid_to=driver_licence_valid_to,
            escort=escort, escort_licence=escort_licence, escort_licence_valid_to=escort_licence_valid_to,
            un_number=un_number.removeprefix("UN"), quantity_t=quantity_t, destination=target,
            window_from=window_from, window_to=window_to, gate=entry, created_by=actor, created_at=now)
        reason = _refusal(appointment)
        lot = None
        if not reason:
            lot, reason = _lot_for(appointment)
        route = None
        if not reason:
            route = routing.route(start=entry.location, end=target.location, at=window_from)
            if route is None:
                reason = _("No road open to hazardous goods leads from gate %(g)s to %(e)s in this window.") % {
                    "g": entry.code, "e": target.name}
        if reason:
            appointment.state, appointment.reason = HazmatAppointment.State.REFUSED, reason[:300]
        else:
            appointment.state, appointment.lot = HazmatAppointment.State.APPROVED, lot
            appointment.route, appointment.route_length_m, appointment.route_basis = route
        appointment.save()
    return appointment


def _refusal(a: HazmatAppointment) -> str:
    last_day = timezone.localtime(a.window_to).date()
    if a.driver_licence_valid_to < last_day:
        return _("The driver's qualification is valid to %(d)s, before the window ends.") % {
            "d": a.driver_licence_valid_to}
    if a.escort_licence_valid_to < last_day:
        return _("The escort's qualification is valid to %(d)s, before the window ends.") % {
            "d": a.escort_licence_valid_to}
    if a.window_to - a.window_from > MAX_WINDOW:
        return _("A window is at most 24 hours.")
    overlapping = HazmatAppointment.objects.filter(plate=a.plate, state=HazmatAppointment.State.APPROVED,
                                                   window_from__lt=a.window_to, window_to__gt=a.window_from)
    if overlapping.exists():
        return _("This vehicle already has an approved appointment in this window (#%(id)s).") % {
            "id": overlapping.first().pk}
    return ""


def _lot_for(a: HazmatAppointment) -> tuple[ParkZone | None, str]:
    """A hazmat lot with a free place for the whole window: approved appointments overlapping
    it hold a place each. No lot in the park: nothing to reserve."""
    lots = list(ParkZone.objects.filter(kind=ParkZone.Kind.PARKING, hazmat_lot=True).order_by("code"))
    if not lots:
        return None, ""
    for lot in lots:
        taken = HazmatAppointment.objects.filter(lot=lot, state=HazmatAppointment.State.APPROVED,
                                                 window_from__lt=a.window_to, window_to__gt=a.window_from).count()
        if lot.capacity is None or taken < lot.capacity:
            return lot, ""
    return None, _("The hazmat parking lots are full for this window.")


def appointments_visible(user):
    scope = enterprise_scope(user)
    qs = HazmatAppointment.objects.select_related("gate", "destination", "lot")
    return qs if scope is None else qs.filter(destination_id=scope)

