"""Console pages of drills and their evaluation. Thin: parse, call one service or selector. The
after-action review's pages are incidents' (incidents.report_views)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

import stream
from core.errors import DomainError
from core.params import is_id
from core.roles import CONSOLE_ROLES, has_role, role_required
from drills import selectors, services
from drills.models import Drill, Finding, RevisionTask, Scenario


@require_GET
@role_required(CONSOLE_ROLES)
def drill_list(request):
    context = {
        "drills": Drill.objects.select_related("scenario", "started_by").order_by("-created_at")[:50],
        "scenarios": Scenario.objects.order_by("title"),
        "due": selectors.drills_due(),
        "revisions": RevisionTask.objects.select_related("plan").filter(status=RevisionTask.Status.OPEN),
        "can_direct": has_role(request.user, services.DIRECT_ROLES),
        "stream_since": stream.last_seq(),
    }
    return render(request, "drills/list.html", context)


@require_POST
@role_required(CONSOLE_ROLES)
def drill_new(request):
    try:
        speed = int(request.POST.get("speed") or 1)
    except ValueError:
        speed = 0  # the service names the rule
    try:
        drill = services.drill_plan(actor=request.user, scenario_id=request.POST.get("scenario", ""), speed=speed,
                                    start=bool(request.POST.get("start")))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("drills:list")
    return redirect("drills:detail", pk=drill.pk)


@require_GET
@role_required(CONSOLE_ROLES)
def drill_detail(request, pk):
    drill = get_object_or_404(Drill.objects.select_related("scenario__plan", "started_by"), pk=pk)
    context = {"drill": drill, "runs": drill.runs.select_related("inject", "incident").order_by("due_at", "id"),
               "incidents": drill.incidents.select_related("type").order_by("reported_at"),
               "can_direct": has_role(request.user, services.DIRECT_ROLES)}
    if request.GET.get("fragment") == "1":
        return render(request, "drills/_runs.html", context)
    return render(request, "drills/detail.html", {**context, "stream_since": stream.last_seq()})


@require_POST
@role_required(CONSOLE_ROLES)
def drill_act(request, pk):
    action = request.POST.get("action")
    try:
        if action == "start":
            services.drill_start(actor=request.user, drill_id=pk)
            messages.success(request, _("The drill started: its injects play on time."))
        elif action == "end":
            services.drill_end(actor=request.user, drill_id=pk, summary=request.POST.get("summary", ""))
            messages.success(request, _("The drill ended: units released, exercise incidents closed."))
        elif action == "release":
            n = services.drill_release_units(actor=request.user, drill_id=pk)
            messages.success(request, _("%(n)d unit(s) back in service.") % {"n": n})
        else:
            raise DomainError(_("Unknown action."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("drills:detail", pk=pk)


@require_GET
@role_required(CONSOLE_ROLES)
def drill_report(request, pk):
    drill = get_object_or_404(Drill.objects.select_related("scenario__plan", "started_by"), pk=pk)
    return render(request, "drills/report.html", {
        "ev": selectors.drill_evaluation(drill), "drill": drill,
        "can_evaluate": has_role(request.user, services.EVALUATE_ROLES),
        "categories": Finding.Category.choices, "elements": Finding.Element.choices})


@require_POST
@role_required(CONSOLE_ROLES)
def finding_add(request):
    drill_id, incident_id = request.POST.get("drill"), request.POST.get("incident")
    try:
        services.finding_record(actor=request.user, category=request.POST.get("category", ""),
                                element=request.POST.get("element", "other"), text=request.POST.get("text", ""),
                                recommendation=request.POST.get("recommendation", ""),
                                drill_id=drill_id or None, incident_id=incident_id or None)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Finding recorded."))
    return _back(drill_id, incident_id)


@require_POST
@role_required(CONSOLE_ROLES)
def finding_revision(request, pk):
    finding = get_object_or_404(Finding, pk=pk)
    try:
        task = services.finding_open_revision(actor=request.user, finding_id=pk, title=request.POST.get("title", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Revision task opened on %(plan)s.") % {"plan": task.plan.title})
    return _back(finding.drill_id, finding.incident_id)


def _back(drill_id, incident_id):
    if drill_id and is_id(drill_id):
        return redirect("drills:report", pk=drill_id)
    if incident_id and is_id(incident_id):
        return redirect("incident_reports:aar", pk=incident_id)
    return redirect("drills:list")


@require_POST
@role_required(CONSOLE_ROLES)
def incident_release(request, pk):
    """From an exercise incident's page: every unit on it back in service at once."""
    from incidents.services import exercise_units_release

    try:
        released = exercise_units_release(actor=request.user, incident_id=pk, reason=_("Released by the dispatcher."))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(n)d unit(s) back in service.") % {"n": len(released)})
    return redirect("incidents:detail", pk=pk)
