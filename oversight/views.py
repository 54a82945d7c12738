"""The park supervisor's one place (guide 四(一)–(四), issue 25 point 10): what is due, overdue
and expiring across licences, 包保 checks, safety assessments, hidden dangers and certificates,
filterable and exportable; and each 包保 duty's rhythm. An enterprise officer sees the same page
for their own enterprise only."""

import datetime as dt
import re

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.roles import SAFETY_ROLES, role_required
from oversight import labels, overview_sources, rules, selectors
from oversight.api import overview_filters
from safety import selectors as ledger

MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


@role_required(SAFETY_ROLES, None)
def overview(request):
    try:
        filters = overview_filters(request.GET)
    except DomainError as error:
        return render(request, "oversight/overview.html", {"error": error.message, "rows": [], "filters": {},
                                                           "enterprises": [], "duties": []}, status=400)
    rows = selectors.overview(request.user, **filters)
    category_labels = labels.category_labels()
    for row in rows:
        row["category_label"] = category_labels[row["category"]]
    duties = selectors.duty_status(selectors.risk_sources_visible_to(request.user))
    return render(request, "oversight/overview.html", {
        "rows": rows, "filters": filters, "query": request.GET.urlencode(),
        "enterprises": ledger.enterprises_visible_to(request.user).order_by("code"),
        "categories": list(category_labels.items()), "statuses": list(rules.STATUS_LABELS.items()),
        "duties": duties, "overdue_count": sum(1 for r in rows if r["status"] in ("overdue", "expired")),
        # The pages of the apps feeding the overview (oversight.overview_sources), e.g. the exchange's.
        "source_links": [(s.label, s.link()) for s in overview_sources.registered() if s.link],
    })


@role_required(SAFETY_ROLES, None)
def calendar(request):
    """The park calendar of start-ups, shutdowns and turnarounds, a month at a time
    (?month=YYYY-MM; this month by default), with what is running now on top."""
    raw = request.GET.get("month", "")
    today = timezone.localdate()
    if raw:
        match = MONTH.fullmatch(raw)
        if not match or not 1 <= int(match[2]) <= 12 or not 2000 <= int(match[1]) <= 2999:
            return render(request, "oversight/calendar.html", {"error": _(
                "month takes a year and month as YYYY-MM, e.g. %(example)s.") % {"example": today.strftime("%Y-%m")},
                "days": [], "running": []}, status=400)
        first = dt.date(int(match[1]), int(match[2]), 1)
    else:
        first = today.replace(day=1)
    after = (first + dt.timedelta(days=32)).replace(day=1)
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(first, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(after, dt.time.min, tzinfo=zone)
    turnarounds = list(selectors.turnarounds_between(request.user, start, end))
    days = []
    for offset in range((after - first).days):
        day = first + dt.timedelta(days=offset)
        begin = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
        close = begin + dt.timedelta(days=1)
        on = [t for t in turnarounds if t.planned_from < close and t.planned_to >= begin]
        if on:
            days.append({"day": day, "turnarounds": on, "today": day == today})
    return render(request, "oversight/calendar.html", {
        "month": first, "previous": (first - dt.timedelta(days=1)).strftime("%Y-%m"), "next": after.strftime("%Y-%m"),
        "days": days, "running": list(selectors.turnarounds_running().filter(
            pk__in=selectors.turnarounds_visible_to(request.user).values("pk")).select_related("enterprise")),
    })
