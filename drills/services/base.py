"""Who directs and evaluates drills, and the drill row lock every drills service takes first."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from core.errors import DomainError
from core.params import is_id
from core.roles import COMMAND_ROLES, DISPATCH_ROLES, PLANNER, require_role
from drills.models import (
    Drill,
    Scenario,
)

# Who directs drills: those who may send units (a drill sends real units) and end them.
DIRECT_ROLES = DISPATCH_ROLES
# Who evaluates: commanders and planners (the plan's owners).
EVALUATE_ROLES = COMMAND_ROLES | {PLANNER}
MAX_SPEED = 60
# A start time this far in the past is a clock skew, not a request to play injects late.
START_TOLERANCE = dt.timedelta(seconds=5)


# --- helpers -------------------------------------------------------------------------

_require = require_role


def _locked_drill(drill_id) -> Drill:
    if not is_id(drill_id):
        raise DomainError(_("No drill %(id)s.") % {"id": drill_id}, status=404)
    try:
        return Drill.objects.select_for_update(of=("self",)).select_related("scenario").get(pk=drill_id)
    except (Drill.DoesNotExist, ValueError, TypeError):
        raise DomainError(_("No drill %(id)s.") % {"id": drill_id}, status=404) from None


def _valid_speed(scenario: Scenario, speed) -> int:
    if isinstance(speed, bool) or not isinstance(speed, int) or not 1 <= speed <= MAX_SPEED:
        raise DomainError(_("Speed must be a whole number from 1 to %(max)d.") % {"max": MAX_SPEED})
    if scenario.kind == Scenario.Kind.LIVE and speed != 1:
        raise DomainError(_("A live drill runs in real time (speed 1): units really drive."))
    return speed
