"""Contractors (第三方单位) of an enterprise and their qualifications (issue 25, point 3). An
enterprise officer keeps their own enterprise's; a park supervisor any. A permit naming a
contractor is checked against these qualifications (safety.services.permits)."""

from __future__ import annotations

import datetime as dt
import re

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.text import find_unstorable
from safety import selectors
from safety.models import Contractor, ContractorQualification
from safety.services.base import _enterprise_for, _locked
from safety.services.colour import (
    enterprise_colour_recompute,
    enterprise_colour_recompute_later,
    lapse_moment,
)

# 统一社会信用代码 (GB 32100-2015): 18 characters of digits and capitals other than I, O, Z, S, V.
CREDIT_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
MAX_QUALIFICATIONS = 50


@transaction.atomic
def contractor_register(*, actor, enterprise_id: int, name: str, credit_code: str, contact: str = "",
                        phone: str = "", qualifications: list[dict] | None = None) -> Contractor:
    enterprise = _enterprise_for(actor, enterprise_id)
    name, credit_code = (name or "").strip(), (credit_code or "").strip().upper()
    if not name:
        raise DomainError(_("Give the contractor's name."), data={"field": "name"})
    if not CREDIT_CODE.match(credit_code):
        raise DomainError(_("“%(code)s” is not a unified social credit code (18 characters, GB 32100-2015).") % {
            "code": credit_code}, data={"field": "credit_code"})
    problem = find_unstorable({"name": name, "contact": contact, "phone": phone})
    if problem:
        raise DomainError(problem)
    rows = [_qualification(q) for q in qualifications or []]
    try:
        with transaction.atomic():
            contractor = Contractor.objects.create(enterprise=enterprise, name=name, credit_code=credit_code,
                                                   contact=(contact or "").strip(), phone=(phone or "").strip())
    except IntegrityError:
        raise DomainError(_("%(enterprise)s already has a contractor with credit code %(code)s.") % {
            "enterprise": enterprise.name, "code": credit_code}, status=409) from None
    for row in rows:
        ContractorQualification.objects.create(contractor=contractor, **row)
    if rows:
        _recolour(enterprise.pk, [row["valid_to"] for row in rows])
    return contractor


@transaction.atomic
def contractor_qualification_add(*, actor, contractor_id: int, kind: str, number: str,
                                 valid_to: dt.date) -> ContractorQualification:
    contractor = _locked(Contractor, selectors.contractors_visible_to(actor), actor, contractor_id)
    if contractor.qualifications.count() >= MAX_QUALIFICATIONS:
        raise DomainError(_("A contractor has at most %(n)d qualifications on record.") % {"n": MAX_QUALIFICATIONS})
    qualification = ContractorQualification.objects.create(contractor=contractor, **_qualification(
        {"kind": kind, "number": number, "valid_to": valid_to}))
    _recolour(contractor.enterprise_id, [qualification.valid_to])
    return qualification


def _recolour(enterprise_id: int, expiries: list[dt.date]) -> None:
    """A lapsed qualification is a colour input (safety.selectors.expired_qualification_count):
    recolour now (one recorded already lapsed, or a renewal ending a lapse), and again the day
    each one lapses, when nothing is written that would recolour (local midnight, as licences)."""
    enterprise_colour_recompute(enterprise_id=enterprise_id, reason="contractor_qualification.recorded")
    now = timezone.now()
    for expiry in sorted(set(expiries)):
        lapse = lapse_moment(expiry)
        if lapse is not None and lapse > now:
            enterprise_colour_recompute_later(enterprise_id=enterprise_id, reason="contractor_qualification.expired",
                                              at=lapse)


def _qualification(row: dict) -> dict:
    kind, number = str(row.get("kind") or "").strip(), str(row.get("number") or "").strip()
    if not kind or not number:
        raise DomainError(_("A qualification needs its kind and number."), data={"field": "qualifications"})
    if not isinstance(row.get("valid_to"), dt.date):
        raise DomainError(_("A qualification needs its expiry date (“valid_to”)."), data={"field": "qualifications"})
    problem = find_unstorable({"kind": kind, "number": number})
    if problem:
        raise DomainError(problem)
    return {"kind": kind[:100], "number": number[:64], "valid_to": row["valid_to"]}
