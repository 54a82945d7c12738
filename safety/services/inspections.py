"""The random inspection draw (双随机): which enterprises, weighted by their colour."""

from __future__ import annotations

import random
import secrets

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.roles import SAFETY_SUPERVISOR, require_role
from hazards.models import Enterprise
from safety import rules
from safety.models import (
    InspectionDraw,
)

# --- random inspection draw (双随机) ------------------------------------------------------

@transaction.atomic
def inspection_draw(*, actor, count: int, inspectors: list[str] | None = None) -> InspectionDraw:
    """Draw `count` park enterprises at random, without replacement, weighted by colour
    (safety.rules.DRAW_WEIGHTS). The seed is stored so anyone can replay the draw."""
    require_role(actor, {SAFETY_SUPERVISOR}, _("Only park safety supervisors draw inspections."))
    candidates = list(Enterprise.objects.filter(in_chemical_park=True).select_related("safety_colour").order_by("pk"))
    if not 1 <= count <= len(candidates):
        raise DomainError(_("Draw between 1 and %(n)d enterprises.") % {"n": len(candidates)})
    seed = secrets.token_hex(8)
    chosen = weighted_draw(candidates, count, seed)
    draw = InspectionDraw.objects.create(drawn_by=actor, seed=seed, inspectors=list(inspectors or []))
    draw.enterprises.set(chosen)
    return draw


def weighted_draw(candidates: list, count: int, seed: str) -> list:
    rng = random.Random(seed)
    pool = list(candidates)
    chosen = []
    for _round in range(count):
        weights = [rules.DRAW_WEIGHTS.get(getattr(getattr(e, "safety_colour", None), "colour", "blue"), 1) for e in pool]
        pick = rng.choices(range(len(pool)), weights=weights, k=1)[0]
        chosen.append(pool.pop(pick))
    return chosen
