"""The exchange's page (/exchange/): each enterprise's sync status for the park (an enterprise
officer sees their own), the credentials, and issuing or revoking one. A new token is shown on
the page that issued it, once."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.params import is_id
from core.roles import SAFETY_ROLES, role_required
from exchange import selectors, services
from safety import selectors as ledger

ledger_role = role_required(SAFETY_ROLES, None)


def _context(request, **extra) -> dict:
    return {"rows": selectors.sync_status(request.user), "credentials": list(selectors.credentials_visible_to(request.user)),
            "enterprises": ledger.enterprises_visible_to(request.user).order_by("code"),
            "stale_hours": settings.EXCHANGE_STALE_HOURS, **extra}


@ledger_role
def status(request):
    return render(request, "exchange/status.html", _context(request))


@require_POST
@ledger_role
def credential_issue(request):
    enterprise = request.POST.get("enterprise", "")
    if not is_id(enterprise):
        return render(request, "exchange/status.html", _context(request, error=_("Choose the enterprise.")), status=400)
    try:
        credential, token = services.credential_issue(actor=request.user, enterprise_id=int(enterprise),
                                                      name=request.POST.get("name", "")[:100])
    except DomainError as error:
        return render(request, "exchange/status.html", _context(request, error=error.message), status=error.status)
    return render(request, "exchange/status.html", _context(request, issued=credential, token=token))


@require_POST
@ledger_role
def credential_revoke(request, pk):
    try:
        services.credential_revoke(actor=request.user, credential_id=pk)
    except DomainError as error:
        return render(request, "exchange/status.html", _context(request, error=error.message), status=error.status)
    messages.success(request, _("The credential is revoked: its system can no longer send."))
    return redirect("exchange:status")
