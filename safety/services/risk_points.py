"""Risk points (风险点) assessed by LEC or LS."""

from __future__ import annotations

from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import DomainError
from safety import rules
from safety.models import (
    RiskPoint,
)
from safety.services.base import _enterprise_for, _on_site
from safety.services.colour import enterprise_colour_recompute

# --- risk points -------------------------------------------------------------------------

@transaction.atomic
def risk_point_assess(*, actor, enterprise_id: int, name: str, location: Point, method: str, likelihood: float,
                      exposure: float | None = None, consequence: float | None = None,
                      severity: float | None = None, controls: str = "") -> RiskPoint:
    enterprise = _enterprise_for(actor, enterprise_id)
    if not (name or "").strip():
        raise DomainError(_("Give the risk point a name."))
    _on_site(enterprise, location, _("risk point"))
    try:
        score = rules.risk_score(method, likelihood=likelihood, exposure=exposure, consequence=consequence,
                                 severity=severity)
    except ValueError as exc:
        raise DomainError(str(exc)) from None
    point = RiskPoint.objects.create(
        enterprise=enterprise, name=name.strip(), location=location, method=method, likelihood=likelihood,
        exposure=exposure if method == "LEC" else None, consequence=consequence if method == "LEC" else None,
        severity=severity if method == "LS" else None, score=score, colour=rules.risk_colour(method, score),
        controls=controls)
    enterprise_colour_recompute(enterprise_id=enterprise.pk, reason="risk_point.assessed")
    return point
