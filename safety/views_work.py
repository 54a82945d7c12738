"""Pages of special work's park side and of contractors (issue 25, points 3 and 7): a permit's
approvals, 报备 and spot checks; the park's special-work page (statistics, the 报备 consistency
it is scored on, contractors whose qualifications expire); an enterprise's contractors. Thin:
forms in, one service or selector, a redirect or a page. Every read goes through
safety.selectors: another enterprise's record is a 404."""

import datetime as dt

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import tabular
from core.errors import DomainError
from core.roles import SAFETY_ROLES, SAFETY_SUPERVISOR, has_role, role_required
from safety import selectors, services
from safety import special_work as work_rules
from safety.form_posts import form_post
from safety.forms import ApprovalForm, ContractorForm, FilingForm, QualificationForm, SpotCheckForm, StatsForm

ledger_role = role_required(SAFETY_ROLES, None)


def permit_context(request, permit) -> dict:
    """What the permit page shows of approvals, 报备 and spot checks."""
    supervisor = has_role(request.user, {SAFETY_SUPERVISOR})
    try:
        filing = permit.filing
    except permit._meta.model.filing.RelatedObjectDoesNotExist:
        filing = None
    now = timezone.now()
    approvals = list(permit.approvals.select_related("recorded_by"))
    for approval in approvals:
        approval.level_label = work_rules.APPROVER_LABELS.get(approval.level, approval.level)
    grade = work_rules.permit_work_grade(permit)
    needed = work_rules.required_approver(permit.kind, grade)
    return {
        "approvals": approvals,
        "required_approver": work_rules.APPROVER_LABELS[needed],
        "approval_form": ApprovalForm(initial={"level": needed}),
        "work_grade_label": work_rules.WORK_GRADE_LABELS.get((permit.kind, grade), ""),
        "can_approve": not supervisor and permit.state == "submitted",
        "filing": filing,
        "can_file": filing is None and permit.state != "cancelled",
        "spot_checks": list(permit.spot_checks.select_related("checked_by")),
        "spot_form": SpotCheckForm(),
        "can_spot_check": supervisor and permit.state == "in_progress" and permit.valid_from <= now <= permit.valid_to,
    }


@ledger_role
@require_POST
def permit_approve(request, pk):
    permit = get_object_or_404(selectors.permits_visible_to(request.user), pk=pk)
    return form_post(request, ApprovalForm(request.POST), lambda data: services.work_permit_approve(
        actor=request.user, permit_id=permit.pk, **data), done=_("Approval recorded."),
        to=reverse("safety:permit", args=[permit.pk]) + "#approvals")


@ledger_role
@require_POST
def permit_file(request, pk):
    permit = get_object_or_404(selectors.permits_visible_to(request.user), pk=pk)
    return form_post(request, None, lambda _data: services.work_filing_create(
        actor=request.user, enterprise_id=permit.enterprise_id, permit=permit.pk), done=_("Filed with the park (报备)."),
        to=reverse("safety:permit", args=[permit.pk]) + "#approvals")


@ledger_role
@require_POST
def permit_spot_check(request, pk):
    permit = get_object_or_404(selectors.permits_visible_to(request.user), pk=pk)
    return form_post(request, SpotCheckForm(request.POST), lambda data: services.permit_spot_check(
        actor=request.user, permit_id=permit.pk, **data), done=_("Spot check recorded."),
        to=reverse("safety:permit", args=[permit.pk]) + "#spot-checks")


def _stats_window(request):
    form = StatsForm(request.GET or None)
    start = end = None
    if form.is_bound and form.is_valid():
        tz = timezone.get_current_timezone()
        first, last = (d if d and 1900 <= d.year <= 2999 else None
                       for d in (form.cleaned_data["start"], form.cleaned_data["end"]))
        if first:
            start = dt.datetime.combine(first, dt.time(), tz)
        if last:
            end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tz)
    return form, start, end


@ledger_role
def special_work(request):
    """The park's special-work page: statistics, the 报备 consistency, expiring qualifications.
    An enterprise officer sees the same for their own enterprise, and files work ahead here."""
    form, start, end = _stats_window(request)
    enterprises = selectors.enterprises_visible_to(request.user).order_by("code")
    return render(request, "safety/special_work.html", {
        "stats_form": form, "stats": selectors.permit_stats(request.user, start=start, end=end),
        "gaps": selectors.filing_gaps(request.user),
        "qualifications": list(selectors.qualifications_expiring(request.user)[:200]),
        "filings": list(selectors.filings_visible_to(request.user).order_by("-filed_at", "-id")[:50]),
        "filing_form": FilingForm(enterprises=enterprises),
        "is_supervisor": has_role(request.user, {SAFETY_SUPERVISOR}),
        "today": timezone.localdate(),
        "export_query": request.GET.urlencode(),
    })


@ledger_role
def stats_export(request):
    _form, start, end = _stats_window(request)
    stats = selectors.permit_stats(request.user, start=start, end=end)
    rows = [[_("Kind"), row["label"], row["count"]] for row in stats["by_kind"]]
    rows += [[_("Hot-work grade"), row["label"], row["count"]] for row in stats["by_grade"]]
    rows += [[_("Enterprise"), _text(f"{row['enterprise']['code']} {row['enterprise']['name']}"), row["count"]]
             for row in stats["by_enterprise"]]
    rows += [[_("Month"), row["month"], row["count"]] for row in stats["by_month"]]
    rows.append([_("Total"), "", stats["total"]])
    body = tabular.xlsx_bytes([_("By"), _("Value"), _("Permits")], rows, title=_("Special work"))
    response = HttpResponse(body, content_type=tabular.XLSX)
    response["Content-Disposition"] = 'attachment; filename="special-work-stats.xlsx"'
    return response


def _text(value: str) -> str:
    """An enterprise's name as text, never a formula (tablib writes a leading "=" as one)."""
    return f"\u2019{value}" if value[:1] in "=+-@" else value


@ledger_role
@require_POST
def filing_new(request):
    enterprises = selectors.enterprises_visible_to(request.user).order_by("code")
    form = FilingForm(request.POST, enterprises=enterprises)

    def file_it(data):
        data = dict(data)
        return services.work_filing_create(actor=request.user, enterprise_id=data.pop("enterprise").pk, **data)

    return form_post(request, form, file_it, done=_("Filed with the park (报备)."),
                     to=reverse("safety:special_work") + "#filings")


@ledger_role
def contractors(request):
    """An enterprise's contractors (第三方单位) and their qualifications; the park sees every
    enterprise's, with those expired or expiring flagged."""
    enterprises = selectors.enterprises_visible_to(request.user).order_by("code")
    form = ContractorForm(request.POST or None, enterprises=enterprises)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        qualification = {k: data.pop(k) for k in ("kind", "number", "valid_to")}
        try:
            services.contractor_register(actor=request.user, enterprise_id=data.pop("enterprise").pk,
                                         qualifications=[qualification], **data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("Contractor recorded."))
            return redirect("safety:contractors")
    today = timezone.localdate()
    rows = list(selectors.contractors_visible_to(request.user).prefetch_related("qualifications")
                .order_by("enterprise__code", "name")[:500])
    return render(request, "safety/contractors.html", {
        "contractors": rows, "form": form, "qualification_form": QualificationForm(), "today": today,
        "expiring_until": today + dt.timedelta(days=work_rules.QUALIFICATION_EXPIRING_DAYS),
    }, status=400 if form.errors else 200)


@ledger_role
@require_POST
def qualification_add(request, pk):
    contractor = get_object_or_404(selectors.contractors_visible_to(request.user), pk=pk)
    return form_post(request, QualificationForm(request.POST), lambda data: services.contractor_qualification_add(
        actor=request.user, contractor_id=contractor.pk, **data), done=_("Qualification added."),
        to=reverse("safety:contractors") + f"#contractor-{contractor.pk}")
