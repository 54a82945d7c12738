"""The after-action review's pages and the report form's target (/drills/after-action/..., the
URLs they had under drills: incidents.report_urls). Thin: parse, call one service or selector."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from core.roles import CONSOLE_ROLES, role_required
from incidents import after_action as review
from incidents import pdf, services
from incidents.models import Incident


@require_GET
@role_required(CONSOLE_ROLES)
def after_action(request, pk):
    incident = get_object_or_404(Incident.objects.select_related("type", "area", "created_by"), pk=pk)
    aar = review.after_action(incident)
    return render(request, "incidents/after_action.html", {
        "aar": aar, "incident": incident, "parts": review.after_action_parts(request, aar)})


@require_GET
@role_required(CONSOLE_ROLES)
def after_action_pdf(request, pk):
    incident = get_object_or_404(Incident.objects.select_related("type", "area"), pk=pk)
    body = pdf.after_action_pdf(review.after_action(incident))
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="after-action-{incident.number}.pdf"'
    return response


@require_POST
@role_required(CONSOLE_ROLES)
def report_file(request, pk):
    try:
        services.incident_report_file(actor=request.user, incident_id=pk, kind=request.POST.get("kind", ""),
                                      channel=request.POST.get("channel", "written"), text=request.POST.get("text", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Report filed."))
    if request.POST.get("back") == "incident":  # filed from the incident page's card
        return redirect("incidents:detail", pk=pk)
    return redirect("incident_reports:aar", pk=pk)
