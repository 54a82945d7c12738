"""The enterprise's four colours: recomputed from their inputs, now or as a durable job, and
the receivers (signals, monitoring's alarm events) that recolour an enterprise."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from procrastinate import exceptions as job_errors
from procrastinate.contrib.django import app as jobs

import stream
from hazards.models import Enterprise, RiskSource
from monitoring import selectors as monitoring_selectors
from safety import events, rules, selectors
from safety.models import (
    Certificate,
    ColourChange,
    EnterpriseColour,
    SafetyManager,
)

# --- the enterprise's colour --------------------------------------------------------------

@transaction.atomic
def enterprise_colour_recompute(*, enterprise_id: int, reason: str = "") -> EnterpriseColour | None:
    """Recompute the colour from its inputs (safety.rules.enterprise_colour); on a change, keep
    the history and tell the supervisors and the enterprise."""
    enterprise = Enterprise.objects.filter(pk=enterprise_id).first()
    if enterprise is None:
        return None
    # The factors' text is stored and shown to everyone: written in the park's language, not in
    # that of whoever (or whichever job) happened to change an input. Otherwise the same colour
    # would flap between languages and the history would record changes that are none.
    with translation.override(settings.LANGUAGE_CODE):
        colour, factors = rules.enterprise_colour(selectors.colour_inputs(enterprise_id))
    try:
        with transaction.atomic():
            current, created = EnterpriseColour.objects.get_or_create(
                enterprise=enterprise, defaults={"colour": colour, "factors": factors})
    except IntegrityError:  # another transaction created it first
        current, created = EnterpriseColour.objects.get(enterprise=enterprise), False
    current = EnterpriseColour.objects.select_for_update().get(pk=current.pk)
    previous = "" if created else current.colour
    if created or current.colour != colour or current.factors != factors:
        current.colour, current.factors, current.computed_at = colour, factors, timezone.now()
        current.save()
    if created or previous != colour:
        ColourChange.objects.create(enterprise=enterprise, colour=colour, previous=previous, factors=factors,
                                    reason=reason)
        stream.publish(events.ENTERPRISE_COLOUR_CHANGED, current, previous)
    return current


def enterprise_colour_recompute_later(*, enterprise_id: int, reason: str, at: dt.datetime | None = None) -> None:
    """Defer the recompute as a durable job in the caller's transaction: it commits with the
    change (or not at all). `at`: when a time-driven input turns (a certificate expiring, a
    gas re-test falling due). Without `at`, one queued job per enterprise is enough
    (procrastinate's queueing lock): an alarm storm queues one recompute, not hundreds."""
    if at is not None:
        recompute_colour.configure(schedule_at=at).defer(enterprise_id=enterprise_id, reason=reason)
        return
    try:
        with transaction.atomic():  # a refused duplicate must not abort the caller's transaction
            recompute_colour.configure(queueing_lock=f"safety.colour.{enterprise_id}").defer(
                enterprise_id=enterprise_id, reason=reason)
    except job_errors.AlreadyEnqueued:
        pass  # a queued recompute has not started yet: it will read this change too


def colour_input_event(event) -> None:
    """core.events subscriber (safety.events) of monitoring's alarm events: an alarm was raised,
    escalated, cleared... on a point of an enterprise's risk source recolours that enterprise.
    Monitoring is below safety: the alarm, its point and risk source are monitoring's answer
    (monitoring.selectors.alarm_of_event), not fields picked out of the consoles' payload.
    Exercise alarms never colour an enterprise (issue 14)."""
    alarm, change = monitoring_selectors.alarm_of_event(event)
    if alarm is None or alarm.exercise:
        return
    source = alarm.point.risk_source
    if source is None:  # a point on no risk source belongs to no enterprise
        return
    enterprise_colour_recompute_later(enterprise_id=source.enterprise_id, reason=f"{event.type}:{change}")


def risk_source_changed(sender, instance, **kwargs) -> None:
    """post_save of hazards.RiskSource (connected in SafetyConfig.ready): a regrade, a major
    hazard source added or moved to another enterprise recolours the enterprises concerned."""
    previous = getattr(instance, "_safety_enterprise_id", None)
    for enterprise_id in sorted({instance.enterprise_id, previous} - {None}):
        enterprise_colour_recompute(enterprise_id=enterprise_id, reason="risk_source.changed")


def risk_source_saving(sender, instance, update_fields=None, **kwargs) -> None:
    """pre_save: remember the enterprise it belonged to, so a move recolours the one it left too
    (a query per save, not per load: risk sources are read all the time and saved rarely)."""
    instance._safety_enterprise_id = None
    if instance.pk and (update_fields is None or "enterprise" in update_fields):
        instance._safety_enterprise_id = RiskSource.objects.filter(pk=instance.pk).values_list(
            "enterprise_id", flat=True).first()


def colour_input_deleted(sender, instance, **kwargs) -> None:
    """post_delete of a risk source, risk point or certificate. A job, not a recompute here:
    inside an enterprise's own cascade delete a recompute would write rows being deleted."""
    enterprise_id = getattr(instance, "enterprise_id", None)
    if enterprise_id is None and isinstance(instance, Certificate):
        enterprise_id = SafetyManager.objects.filter(pk=instance.manager_id).values_list(
            "enterprise_id", flat=True).first()
    if enterprise_id is not None:
        enterprise_colour_recompute_later(enterprise_id=enterprise_id, reason=f"{sender._meta.model_name}.deleted")


def lapse_moment(expiry: dt.date) -> dt.datetime | None:
    """The moment something valid to `expiry` (inclusive) has lapsed: local midnight after it;
    None for the last date there is (9999-12-31, "never"), which has no day after it."""
    if expiry >= dt.date.max:
        return None
    return timezone.make_aware(dt.datetime.combine(expiry + dt.timedelta(days=1), dt.time.min))


def certificate_saved(sender, instance, **kwargs) -> None:
    """post_save of a safety manager's certificate (kept in the admin): recolour now, and again
    the moment it expires (the day after `expires_on`, local time)."""
    enterprise_id = SafetyManager.objects.filter(pk=instance.manager_id).values_list("enterprise_id", flat=True).first()
    if enterprise_id is None:
        return
    enterprise_colour_recompute(enterprise_id=enterprise_id, reason="certificate.saved")
    expires = lapse_moment(instance.expires_on)
    if expires is not None and expires > timezone.now():
        enterprise_colour_recompute_later(enterprise_id=enterprise_id, reason="certificate.expired", at=expires)


def enterprise_colours_recompute_all(reason: str = "periodic") -> int:
    """Inputs that change with time alone (deadlines passing, alarms in another app) are
    caught by the periodic job calling this."""
    count = 0
    for enterprise_id in Enterprise.objects.values_list("pk", flat=True):
        enterprise_colour_recompute(enterprise_id=enterprise_id, reason=reason)
        count += 1
    return count


@jobs.task(name="safety.recompute_colour", queue="safety")
def recompute_colour(enterprise_id: int, reason: str = "") -> None:
    enterprise_colour_recompute(enterprise_id=enterprise_id, reason=reason)


@jobs.periodic(cron="*/5 * * * *")
@jobs.task(name="safety.recompute_colours", queue="safety")
def recompute_colours(timestamp: int) -> None:
    enterprise_colours_recompute_all()
