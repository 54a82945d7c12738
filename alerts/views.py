"""Console pages for public warnings: console roles read, commanders write (services decide)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from alerts import selectors, services
from alerts.cap import build_cap
from alerts.forms import AlertForm
from core.errors import DomainError
from core.roles import COMMAND_ROLES, CONSOLE_ROLES, has_role


def _require(request, roles):
    if not has_role(request.user, roles):
        raise PermissionDenied(_("Your role does not allow this."))


@login_required
def alert_list(request):
    _require(request, CONSOLE_ROLES)
    alerts = selectors.alerts_visible_to(request.user).order_by("-created_at", "-id")[:200]
    return render(request, "alerts/list.html", {
        "alerts": alerts, "can_command": has_role(request.user, COMMAND_ROLES),
    })


@login_required
def alert_new(request):
    _require(request, COMMAND_ROLES)
    form = AlertForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            alert = services.alert_create(actor=request.user, **form.changes())
        except DomainError as exc:
            form.add_domain_errors(exc)
        else:
            messages.success(request, _("Draft saved. Check the CAP preview, then issue it."))
            return redirect("alerts:detail", pk=alert.pk)
    return render(request, "alerts/form.html", {"form": form, "alert": None})


@login_required
def alert_detail(request, pk):
    _require(request, CONSOLE_ROLES)
    alert = get_object_or_404(selectors.alerts_visible_to(request.user), pk=pk)
    return render(request, "alerts/detail.html", {
        "alert": alert, "can_command": has_role(request.user, COMMAND_ROLES),
        "cap_xml": build_cap(alert).decode("utf-8"), "area_geojson": alert.area.geojson,
        "history": alert.history.order_by("-history_date")[:50],
    })


@login_required
def alert_edit(request, pk):
    """A draft is edited in place; an issued alert's changes go out as a CAP Update."""
    _require(request, COMMAND_ROLES)
    alert = get_object_or_404(selectors.alerts_visible_to(request.user), pk=pk)
    form = AlertForm(request.POST) if request.method == "POST" else AlertForm.for_alert(alert)
    if request.method == "POST" and form.is_valid():
        try:
            if alert.status == alert.Status.DRAFT:
                services.alert_edit(actor=request.user, alert_id=alert.pk, **form.changes())
                messages.success(request, _("Draft saved."))
            else:
                services.alert_update(actor=request.user, alert_id=alert.pk, **form.changes())
                messages.success(request, _("Update published."))
        except DomainError as exc:
            form.add_domain_errors(exc)
        else:
            return redirect("alerts:detail", pk=alert.pk)
    return render(request, "alerts/form.html", {"form": form, "alert": alert})


@login_required
@require_POST
def alert_issue(request, pk):
    """An orange or red warning reaches the whole public: the console's `confirm` box beside
    the button is passed on, and the service refuses such a warning without it."""
    _require(request, COMMAND_ROLES)
    get_object_or_404(selectors.alerts_visible_to(request.user), pk=pk)
    confirmed = request.POST.get("confirm") == "yes"
    return _transition(request, pk, lambda: services.alert_issue(actor=request.user, alert_id=pk,
                                                                 confirmed=confirmed),
                       _("Alert issued."))


@login_required
@require_POST
def alert_cancel(request, pk):
    _require(request, COMMAND_ROLES)
    note = request.POST.get("note", "")
    return _transition(request, pk, lambda: services.alert_cancel(actor=request.user, alert_id=pk, note=note),
                       _("Alert cancelled."))


def _transition(request, pk, action, done_message):
    try:
        action()
    except DomainError as exc:
        messages.error(request, exc.message)
        for field_messages in exc.data.values():
            for message in field_messages:
                messages.error(request, message)
    else:
        messages.success(request, done_message)
    return redirect("alerts:detail", pk=pk)
