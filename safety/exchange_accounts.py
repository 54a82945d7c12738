"""System accounts of enterprises' own systems (issue 25 point 8, the 双重预防 exchange): an
account that acts as an enterprise safety officer bound to one enterprise, so what the system
sends goes through the ledger's services with the same checks as a person's writes. Kept here,
beside the memberships it creates; the exchange app (above safety) calls it."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from core.roles import ENTERPRISE_OFFICER
from hazards.models import Enterprise
from safety.models import EnterpriseMembership


@transaction.atomic
def system_account_for(*, enterprise: Enterprise, username: str):
    """The enterprise system's account (created once, no password: it signs in by token only)."""
    user, created = get_user_model().objects.get_or_create(username=username, defaults={"is_active": True})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        user.groups.add(Group.objects.get_or_create(name=ENTERPRISE_OFFICER)[0])
    EnterpriseMembership.objects.update_or_create(user=user, defaults={"enterprise": enterprise})
    return user
