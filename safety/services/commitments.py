"""The daily safety commitment (安全承诺) and the flag for one not filed by the due hour."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from procrastinate.contrib.django import app as jobs

import stream
from core.errors import DomainError
from core.models import Event
from hazards.models import Enterprise
from safety import events, rules, selectors
from safety.models import (
    SafetyCommitment,
)
from safety.services.base import _enterprise_for
from safety.services.colour import enterprise_colour_recompute

# --- daily safety commitment ------------------------------------------------------------

@transaction.atomic
def commitment_file(*, actor, enterprise_id: int, units_running: int, units_stopped: int, risk_level: str,
                    special_work: int = 0, trial_runs: int = 0, startups_shutdowns: int = 0,
                    major_hidden_dangers: int | None = None, note: str = "") -> SafetyCommitment:
    """Today's commitment (安全承诺); filing again the same day replaces it."""
    enterprise = _enterprise_for(actor, enterprise_id)
    if risk_level not in rules.COLOURS:
        raise DomainError(_("The day's risk level must be red, orange, yellow or blue."))
    numbers = {"units_running": units_running, "units_stopped": units_stopped, "special_work": special_work,
               "trial_runs": trial_runs, "startups_shutdowns": startups_shutdowns}
    for name, value in numbers.items():
        if value is None or value < 0 or value > 10_000:
            raise DomainError(_("%(field)s must be a whole number from 0 to 10000.") % {"field": name})
    if major_hidden_dangers is None:
        major_hidden_dangers = selectors.open_hidden_dangers().filter(enterprise=enterprise, level="major").count()
    today = timezone.localdate()
    commitment, _created = SafetyCommitment.objects.update_or_create(
        enterprise=enterprise, date=today,
        defaults={**numbers, "risk_level": risk_level, "major_hidden_dangers": major_hidden_dangers, "note": note,
                  "committed_by": actor, "committed_at": timezone.now()})
    stream.publish(events.COMMITMENT_UPDATED, enterprise, today, "filed")
    enterprise_colour_recompute(enterprise_id=enterprise.pk, reason="commitment.filed")
    return commitment


@transaction.atomic
def commitments_flag_missing() -> list[int]:
    """The job after the due hour: recolour enterprises that have not filed today, tell them
    and the supervisors once a day. Returns the enterprises flagged now."""
    if not selectors.commitment_due_passed():
        return []
    today = timezone.localdate()
    flagged = []
    for enterprise in Enterprise.objects.filter(in_chemical_park=True).exclude(commitments__date=today):
        enterprise_colour_recompute(enterprise_id=enterprise.pk, reason="commitment.missing")
        told = Event.objects.filter(type=events.COMMITMENT_UPDATED.name, payload__change="missing",
                                    payload__enterprise__id=enterprise.pk, payload__date=today.isoformat())
        if not told.exists():
            stream.publish(events.COMMITMENT_UPDATED, enterprise, today, "missing")
        flagged.append(enterprise.pk)
    return flagged


@jobs.periodic(cron="*/10 * * * *")
@jobs.task(name="safety.check_commitments", queue="safety")
def check_commitments(timestamp: int) -> None:
    commitments_flag_missing()
