"""Pages of notices: the console's list and notice page (live receipts, resend), and the
person's own link /n/<token> (no sign-in: read and confirm that one notice only)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

import stream
from core.errors import DomainError
from core.roles import CONSOLE_ROLES, has_role
from notices import services
from notices.forms import NoticeForm
from notices.models import GatewayReport, Notice, Receipt, ReceiptState


def _require(request, roles):
    if not has_role(request.user, roles):
        raise PermissionDenied(_("Your role does not allow this."))


@login_required
def notice_list(request):
    _require(request, CONSOLE_ROLES)
    can_send = has_role(request.user, services.NOTICE_SENDERS)
    form = NoticeForm(request.POST or None) if can_send else None
    if request.method == "POST":
        if not can_send:
            raise PermissionDenied(_("Only duty officers, dispatchers and commanders send notices."))
        if form.is_valid():
            try:
                notice = services.notice_send(actor=request.user, **form.changes())
            except DomainError as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("Notice sent: follow its receipts here."))
                return redirect("notices:detail", pk=notice.pk)
    notices = (Notice.objects.annotate(n=Count("receipts"))
               .order_by("-created_at", "-id")[:100])
    replies = (GatewayReport.objects.filter(kind="reply").exclude(outcome=GatewayReport.Outcome.CONFIRMED)
               .order_by("-received_at")[:50])
    return render(request, "notices/list.html", {"notices": notices, "form": form, "replies": replies,
                                                 "stream_since": stream.last_seq()})


@login_required
def notice_detail(request, pk):
    _require(request, CONSOLE_ROLES)
    notice = get_object_or_404(Notice.objects.prefetch_related(
        Prefetch("receipts", queryset=Receipt.objects.order_by("round", "name", "id"))), pk=pk)
    receipts = list(notice.receipts.all())
    counts: dict[str, int] = {}
    for receipt in receipts:
        counts[receipt.state] = counts.get(receipt.state, 0) + 1
    return render(request, "notices/detail.html", {
        "notice": notice, "receipts": receipts[:2000], "more": max(0, len(receipts) - 2000), "counts": counts,
        "total": len(receipts), "state_choices": ReceiptState.choices, "can_send": has_role(request.user, services.NOTICE_SENDERS),
        "stream_since": stream.last_seq()})


@login_required
@require_POST
def notice_resend(request, pk):
    _require(request, CONSOLE_ROLES)
    try:
        receipts = services.notice_resend(actor=request.user, notice_id=pk)
    except DomainError as exc:
        if exc.status == 404:
            raise Http404(str(exc.message)) from None
        if exc.status == 403:
            raise PermissionDenied(str(exc.message)) from None
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Sent again to the unconfirmed: %(n)s messages queued.") % {"n": len(receipts)})
    return redirect("notices:detail", pk=pk)


def person_notice(request, token):
    """The person's own link: no password, this one notice only; opening it marks it read."""
    try:
        receipt = services.receipt_read(token=token)
    except DomainError as exc:
        return render(request, "notices/person.html", {"error": str(exc.message)}, status=exc.status)
    return render(request, "notices/person.html", {"receipt": receipt, "notice": receipt.notice})


@require_POST
def person_confirm(request, token):
    try:
        receipt = services.receipt_confirm(token=token)
    except DomainError as exc:
        return render(request, "notices/person.html", {"error": str(exc.message)}, status=exc.status)
    return render(request, "notices/person.html", {"receipt": receipt, "notice": receipt.notice, "confirmed": True})
