"""Who hears which enterprise's stream: a moved membership re-checks the officer's sockets."""

from __future__ import annotations

from django.db import transaction

import stream
from resources.events import ACCOUNT_CHANGED
from safety.models import (
    EnterpriseMembership,
)


def membership_saving(sender, instance, **kwargs) -> None:
    """pre_save of EnterpriseMembership: remember whose membership it was, so moving the row to
    another user re-checks both people's sockets."""
    instance._safety_previous_user_id = None
    if instance.pk:
        instance._safety_previous_user_id = EnterpriseMembership.objects.filter(pk=instance.pk).values_list(
            "user_id", flat=True).first()


def membership_changed(sender, instance, **kwargs) -> None:
    """post_save / post_delete of EnterpriseMembership (kept in the admin): `account.changed` for
    the officer, so every stream hub re-checks their sockets before its next frame. An officer
    moved to another enterprise kept hearing the old one's ledger for 10-14 s (issue 22), until
    the hub's periodic round."""
    for user_id in sorted({instance.user_id, getattr(instance, "_safety_previous_user_id", None)} - {None}):
        with transaction.atomic():
            stream.publish(ACCOUNT_CHANGED, {"user": user_id, "reason": "enterprise_membership"})
