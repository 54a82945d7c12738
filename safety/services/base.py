"""What every safety service checks: who may write for which enterprise, the row lock, and
whether a place is on the enterprise's site."""

from __future__ import annotations

import math

from django.contrib.gis.geos import Point
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.roles import ENTERPRISE_OFFICER, SAFETY_SUPERVISOR, require_role
from hazards.models import Enterprise
from safety import selectors

SAFETY_WRITERS = {SAFETY_SUPERVISOR, ENTERPRISE_OFFICER}


# --- who may write what ------------------------------------------------------------------

def _enterprise_for(actor, enterprise_id) -> Enterprise:
    """The enterprise `actor` may write for: any for a supervisor, their own for an officer."""
    require_role(actor, SAFETY_WRITERS, _("Only park safety supervisors and enterprise safety officers keep the ledger."))
    enterprise = selectors.enterprises_visible_to(actor).filter(pk=enterprise_id).first()
    if enterprise is None:
        raise DomainError(_("No enterprise %(id)s.") % {"id": enterprise_id}, status=404)
    return enterprise


def _locked(model, queryset, actor, pk):
    require_role(actor, SAFETY_WRITERS, _("Only park safety supervisors and enterprise safety officers keep the ledger."))
    row = queryset.select_for_update(of=("self",)).filter(pk=pk).first()
    if row is None:
        raise DomainError(_("No %(what)s %(id)s.") % {"what": model._meta.verbose_name, "id": pk}, status=404)
    return row


def _wrong_state(row, step) -> DomainError:
    return DomainError(_("This %(what)s is %(state)s: “%(step)s” does not apply now.") % {
        "what": row._meta.verbose_name, "state": row.get_state_display(), "step": step}, status=409)


# --- where on the site ---------------------------------------------------------------------

SITE_RADIUS_M = 1000  # an enterprise without a drawn boundary: this far from its location is its site


def _on_site(enterprise: Enterprise, location: Point | None, what: str) -> None:
    """A permit's or risk point's location lies on the enterprise's own site (issue 22: an E03
    officer put a red risk point on E01's site, and one at [0, 0]): inside the drawn boundary,
    or within SITE_RADIUS_M of the enterprise's location where none is drawn."""
    if location is None:
        return
    if abs(location.x) < 1e-9 and abs(location.y) < 1e-9:
        raise DomainError(_("The %(what)s's location is [0, 0]: place it on %(name)s's site.") % {
            "what": what, "name": enterprise.name})
    if enterprise.site is not None:
        if not enterprise.site.intersects(Point(location.x, location.y, srid=4326)):
            raise DomainError(_("The %(what)s's location lies outside %(name)s's site boundary.") % {
                "what": what, "name": enterprise.name})
        return
    distance = _metres(location, enterprise.location)
    if distance > SITE_RADIUS_M:
        raise DomainError(_("The %(what)s's location is %(d)d m from %(name)s; it must lie on its site (within "
                            "%(max)d m).") % {"what": what, "d": round(distance), "name": enterprise.name,
                                              "max": SITE_RADIUS_M})


def _metres(a: Point, b: Point) -> float:
    """Great-circle distance (haversine), plenty for a site a few hundred metres across."""
    lon1, lat1, lon2, lat2 = map(math.radians, (a.x, a.y, b.x, b.y))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_000 * math.asin(min(1.0, math.sqrt(h)))
