"""Writes to responders and to people's accounts. One transaction per call.

Each change that affects who may hear what on the live stream emits `account.changed`
(resources.events), so every process's stream hub re-checks the person's open sockets at
once instead of on its next round.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

import stream
from core.errors import DomainError
from resources.events import ACCOUNT_CHANGED
from resources.models import Resource, Responder


def _fingerprint(secret: str) -> str:
    from hashlib import sha256

    return sha256(secret.encode()).hexdigest()[:20]  # the same as stream.hub.fingerprint


def _changed(user_id: int, reason: str, **data) -> None:
    stream.publish(ACCOUNT_CHANGED, {"user": user_id, "reason": reason, **data})


@transaction.atomic
def responder_move(*, actor, responder_id: int, resource_id: int | None) -> Responder:
    """Move a responder to another unit (or to none): their open sockets follow at once."""
    if not actor.has_perm("resources.change_responder"):
        raise DomainError(_("Your role cannot move responders between units."), status=403)
    try:
        responder = Responder.objects.select_for_update().get(pk=responder_id)
    except (Responder.DoesNotExist, ValueError, TypeError):
        raise DomainError(_("No responder %(id)s.") % {"id": responder_id}, status=404) from None
    if resource_id is not None:
        try:
            resource = Resource.objects.get(pk=resource_id)
        except (Resource.DoesNotExist, ValueError, TypeError):
            raise DomainError(_("No resource with id %(ids)s.") % {"ids": resource_id}, status=404) from None
        if not resource.is_dispatchable:
            raise DomainError(_("%(name)s is not a unit that responders crew.") % {"name": resource.name})
    if responder.resource_id == resource_id:
        return responder
    responder.resource_id = resource_id
    responder.save(update_fields=["resource"])
    _changed(responder.user_id, "moved", resource=resource_id)
    return responder


@transaction.atomic
def user_deactivate(*, actor, user_id: int):
    """Deactivate a person: they can no longer sign in, their API token is revoked, and their
    open sockets are closed (4403)."""
    if not actor.has_perm("auth.change_user"):
        raise DomainError(_("Only administrators may deactivate people."), status=403)
    User = get_user_model()
    try:
        user = User.objects.select_for_update().get(pk=user_id)
    except (User.DoesNotExist, ValueError, TypeError):
        raise DomainError(_("No user %(id)s.") % {"id": user_id}, status=404) from None
    if user.pk == actor.pk:
        raise DomainError(_("You cannot deactivate yourself."), status=409)
    from rest_framework.authtoken.models import Token

    Token.objects.filter(user=user).delete()
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    _changed(user.pk, "deactivated")
    return user


@transaction.atomic
def token_revoke(*, user) -> bool:
    """Revoke the user's API token (`DELETE /api/v1/auth/token/`): requests and sockets using
    it stop at once (sockets close with 4401). False if there was none."""
    from rest_framework.authtoken.models import Token

    token = Token.objects.select_for_update().filter(user=user).first()
    if token is None:
        return False
    key = token.key
    token.delete()
    _changed(user.pk, "token_revoked", token=_fingerprint(key))
    return True


@transaction.atomic
def session_end(*, user, session_key: str) -> None:
    """A browser session signed out (POST /logout/): its sockets close with 4401 at once."""
    _changed(user.pk, "logout", session=_fingerprint(session_key))


def session_end_on_logout(sender, request, user, **kwargs):
    """Receiver of Django's user_logged_out (connected in ResourcesConfig.ready)."""
    session = getattr(request, "session", None)
    if user is not None and session is not None and session.session_key:
        session_end(user=user, session_key=session.session_key)
