"""Console pages under /plans/: plan documents, the incident plan panel's forms, duty and rosters.

Thin: each view checks the role, calls one service or selector, and renders or redirects.
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

import stream
from core.errors import DomainError
from core.roles import CONSOLE_ROLES, PLANNER, has_role, role_required
from incidents.models import Incident
from plans import selectors, services
from plans.models import Activation, Handover, Plan, Task
from plans.panels import panel_context

console_required = role_required(CONSOLE_ROLES, _lazy("This page is for the command centre's console roles."))


def incident_url(incident_id) -> str:
    return reverse("incidents:detail", args=[incident_id])


# --- plans ---------------------------------------------------------------------------

@console_required
def plan_list(request):
    plans = (Plan.objects.filter(status=Plan.Status.PUBLISHED).select_related("issuing_agency")
             .prefetch_related("levels", "incident_types"))
    return render(request, "plans/list.html", {"plans": sorted(plans, key=lambda p: (Plan.KIND_ORDER[p.kind], p.code))})


@login_required
def plan_document(request, pk):
    """The whole plan as one printable document; old versions stay readable here."""
    may_see_drafts = has_role(request.user, [PLANNER]) or request.user.has_perm("plans.change_plan")
    if not (has_role(request.user, CONSOLE_ROLES) or may_see_drafts):
        raise PermissionDenied
    plan = get_object_or_404(
        Plan.objects.select_related("issuing_agency", "published_by", "previous")
        .prefetch_related("incident_types", "areas", "enterprises", "risk_sources", "contacts", "attachments",
                          "levels__actions__responsible_agency"), pk=pk)
    if plan.is_editable and not may_see_drafts:
        raise PermissionDenied(_("Drafts are visible to planners only."))
    versions = Plan.objects.filter(code=plan.code).order_by("-version")
    return render(request, "plans/document.html", {"plan": plan, "versions": versions})


@console_required
def incident_plans(request, pk):
    incident = get_object_or_404(Incident.objects.select_related("type", "area"), pk=pk)
    return render(request, "plans/incident.html", {"incident": incident, "stream_since": stream.last_seq()})


@console_required
def incident_panel(request, pk):
    """The plans card alone, re-rendered by panel.js when a task or activation event arrives."""
    incident = get_object_or_404(Incident.objects.select_related("type", "area"), pk=pk)
    context = panel_context(request, incident, next_url=request.GET.get("next", ""))
    return render(request, "plans/incident_panel.html", context)


@console_required
@require_POST
def activate(request, pk):
    return _act(request, pk, lambda: services.plan_activate(
        actor=request.user, incident_id=pk, plan_id=request.POST.get("plan"), level=request.POST.get("level")),
        _("Plan activated."))


@console_required
@require_POST
def activation_raise(request, pk):
    activation = get_object_or_404(Activation, pk=pk)
    return _act(request, activation.incident_id, lambda: services.activation_raise(
        actor=request.user, activation_id=pk, level=request.POST.get("level")), _("Level raised."))


@console_required
@require_POST
def activation_end(request, pk):
    activation = get_object_or_404(Activation, pk=pk)
    return _act(request, activation.incident_id, lambda: services.activation_end(
        actor=request.user, activation_id=pk, reason=request.POST.get("reason", "")), _("Response ended."))


@console_required
@require_POST
def task_done(request, pk):
    task = get_object_or_404(Task, pk=pk)
    return _act(request, task.incident_id, lambda: services.task_done(actor=request.user, task_id=pk), None)


def _act(request, incident_id, call, success):
    try:
        call()
        if success:
            messages.success(request, success)
    except DomainError as exc:
        messages.error(request, exc.message)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = incident_url(incident_id)
    return HttpResponseRedirect(target)


# --- duty ----------------------------------------------------------------------------

@console_required
def duty(request):
    now = timezone.now()
    days = _int(request.GET.get("days"), 7, 1, 31)
    return render(request, "plans/duty.html", {
        "on_duty": selectors.on_duty_now(now),
        "gaps": selectors.roster_gaps(now, days=days),
        "days": days,
        "handovers": Handover.objects.select_related("post", "outgoing", "incoming")
        .prefetch_related("incidents", "tasks")[:10],
        "my_shift": selectors.person_shifts(request.user, since=now - services.duty.HANDOVER_WINDOW)
        .filter(start__lte=now + services.duty.HANDOVER_WINDOW).first(),
        "can_import": has_role(request.user, [PLANNER]),
        "stream_since": stream.last_seq(),
    })


@console_required
def roster_month(request):
    today = timezone.localdate()
    try:
        year, month = (int(x) for x in request.GET.get("month", "").split("-"))
        dt.date(year, month, 1)
    except ValueError:
        year, month = today.year, today.month
    posts, days = selectors.roster_month(year, month)
    first = dt.date(year, month, 1)
    previous = (first - dt.timedelta(days=1)).strftime("%Y-%m")
    following = (first + dt.timedelta(days=32)).strftime("%Y-%m")
    return render(request, "plans/month.html", {"posts": posts, "days": days, "month": first,
                                                "previous": previous, "following": following, "today": today})


@console_required
def roster_import(request):
    if not has_role(request.user, [PLANNER]):
        raise PermissionDenied(_("Only planners may import rosters."))
    errors = []
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            errors = [_("Choose a CSV file to import.")]
        else:
            try:
                created, errors = services.roster_import(actor=request.user, upload=upload)
            except DomainError as exc:
                errors = [exc.message]
            else:
                if not errors:
                    messages.success(request, _("%(n)d shifts imported.") % {"n": created})
                    return redirect("plans:month")
    return render(request, "plans/import.html", {"errors": errors, "columns": services.duty.ROSTER_COLUMNS},
                  status=400 if errors else 200)


@console_required
@require_POST
def handover_create(request):
    try:
        services.handover_create(actor=request.user, note=request.POST.get("note", ""))
        messages.success(request, _("Handover recorded; the incoming officer must confirm receipt."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("plans:duty")


@console_required
@require_POST
def handover_confirm(request, pk):
    try:
        services.handover_confirm(actor=request.user, handover_id=pk)
        messages.success(request, _("Receipt confirmed."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("plans:duty")


@login_required
def my_calendar(request):
    if request.method == "POST":
        token = services.calendar_token_reset(actor=request.user)
        messages.success(request, _("A new feed address was made; the old one no longer works."))
    else:
        token = services.calendar_token_ensure(actor=request.user)
    feed = request.build_absolute_uri(reverse("api-roster-ics", args=[request.user.username])) + f"?token={token.token}"
    return render(request, "plans/calendar.html", {"feed": feed, "shifts": selectors.person_shifts(request.user)})


def _int(value, default, low, high):
    try:
        return max(low, min(high, int(value)))
    except (TypeError, ValueError):
        return default
