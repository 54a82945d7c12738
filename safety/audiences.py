"""Who hears the park's safety ledger: the supervisors every enterprise's (`safety`), an
enterprise's safety officers their own enterprise's only (`enterprise:<id>`)."""

from django.db.models import OuterRef, Subquery

from core.roles import ENTERPRISE_OFFICER, SAFETY_SUPERVISOR
from safety.models import EnterpriseMembership
from stream import audiences


def _columns(now) -> dict:
    return {"enterprise_id": Subquery(EnterpriseMembership.objects.filter(user=OuterRef("pk"))
                                      .values("enterprise_id")[:1])}


def _supervisor(user) -> bool:
    return SAFETY_SUPERVISOR in user.roles


def _officer_of(user) -> int | None:
    # As safety.selectors.membership_enterprise_id: a binding counts only for an officer.
    return user.enterprise_id if ENTERPRISE_OFFICER in user.roles else None


audiences.register("safety", member=_supervisor,
                   doc="The park's safety supervisors: every enterprise's ledger events.")
audiences.register("enterprise", keyed=True, columns=_columns, member=_officer_of,
                   doc="One enterprise's safety officers (safety.models.EnterpriseMembership).")
