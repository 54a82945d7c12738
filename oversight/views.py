"""The park supervisor's one place (guide 四(一)–(四), issue 25 point 10): what is due, overdue
and expiring across licences, 包保 checks, safety assessments, hidden dangers and certificates,
filterable and exportable; and each 包保 duty's rhythm. An enterprise officer sees the same page
for their own enterprise only."""

from django.shortcuts import render

from core.errors import DomainError
from core.roles import SAFETY_ROLES, role_required
from oversight import labels, rules, selectors
from oversight.api import overview_filters
from safety import selectors as ledger


@role_required(SAFETY_ROLES, None)
def overview(request):
    try:
        filters = overview_filters(request.GET)
    except DomainError as error:
        return render(request, "oversight/overview.html", {"error": error.message, "rows": [], "filters": {},
                                                           "enterprises": [], "duties": []}, status=400)
    rows = selectors.overview(request.user, **filters)
    for row in rows:
        row["category_label"] = labels.CATEGORY_LABELS[row["category"]]
    duties = selectors.duty_status(selectors.risk_sources_visible_to(request.user))
    return render(request, "oversight/overview.html", {
        "rows": rows, "filters": filters, "query": request.GET.urlencode(),
        "enterprises": ledger.enterprises_visible_to(request.user).order_by("code"),
        "categories": list(labels.CATEGORY_LABELS.items()), "statuses": list(rules.STATUS_LABELS.items()),
        "duties": duties, "overdue_count": sum(1 for r in rows if r["status"] in ("overdue", "expired")),
    })
