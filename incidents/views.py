"""Console and responder pages. Thin: parse, call one service or selector, render.

Live pages carry `stream_since` (the log position they were rendered at); their script
re-fetches server-rendered fragments when a matching event arrives, so every bit of user
text is escaped by the template engine, never assembled in JavaScript.
"""

from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

import stream
from core import panels
from core.errors import DomainError
from core.roles import CONSOLE_ROLES, DISPATCH_ROLES, INTAKE_ROLES, RESPONDER, has_role, role_required
from incidents import grading, selectors, services
from incidents.forms import IncidentForm, NoteForm, RecordCallForm, SeverityForm
from incidents.models import Assignment, DeclineReason, Incident, IncidentType
from resources.models import Resource


def _fragment(request) -> bool:
    return request.GET.get("fragment") == "1"


# --- console ------------------------------------------------------------------------

@require_GET
@role_required(CONSOLE_ROLES)
def incident_list(request):
    show = request.GET.get("show", "open")
    qs = Incident.objects.select_related("type", "area").order_by("-reported_at")
    qs = qs.filter(status__in=Incident.OPEN_STATUSES) if show == "open" else qs[:200]
    context = {"incidents": qs, "show": show}
    if _fragment(request):
        return render(request, "incidents/_list_rows.html", context)
    return render(request, "incidents/list.html", {**context, "stream_since": stream.last_seq()})


@role_required(INTAKE_ROLES)
def incident_new(request):
    form = IncidentForm(request.POST or None, initial={"call_started": timezone.now()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            incident = services.incident_log(
                actor=request.user, type_code=data["type"].code, severity=data["severity"], lon=data["lon"],
                lat=data["lat"], title=data["title"], address=data["address"], caller_name=data["caller_name"],
                caller_phone=data["caller_phone"], description=data["description"],
                outside_district=data["outside_district"], reported_at=data["call_started"],
                exercise=data["exercise"])
        except DomainError as exc:
            form.add_error("outside_district" if "outside_district_m" in exc.data else None, exc.message)
        else:
            messages.success(request, _("Incident %(n)s logged.") % {"n": incident.number})
            return redirect("incidents:detail", pk=incident.pk)
    return render(request, "incidents/new.html", {"form": form, "stream_since": stream.last_seq()})


@require_GET
@role_required(INTAKE_ROLES)
def duplicates(request):
    """Likely duplicates for the intake form, as soon as type and location are known."""
    try:
        itype = IncidentType.objects.get(code=request.GET.get("type", ""))
        location = services.parse_location(request.GET.get("lon"), request.GET.get("lat"))
    except (IncidentType.DoesNotExist, DomainError):
        return render(request, "incidents/_duplicates.html", {"candidates": []})
    candidates = selectors.incidents_possible_duplicates(incident_type=itype, location=location)
    return render(request, "incidents/_duplicates.html", {"candidates": candidates, "form": RecordCallForm()})


@require_POST
@role_required(INTAKE_ROLES)
def record_call(request, pk):
    form = RecordCallForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    try:
        services.incident_record_call(actor=request.user, incident_id=pk, caller_name=data.get("caller_name", ""),
                                      caller_phone=data.get("caller_phone", ""), note=data.get("note", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("incidents:new")
    messages.success(request, _("The call was recorded on this incident's timeline."))
    return redirect("incidents:detail", pk=pk)


@require_GET
@role_required(CONSOLE_ROLES)
def incident_detail(request, pk):
    incident = get_object_or_404(Incident.objects.select_related("type", "area", "created_by", "risk_source", "chemical"),
                                 pk=pk)
    part = request.GET.get("part")
    context = _detail_context(request, incident)
    if part in ("timeline", "assignments", "summary", "recommendations", "search", "hazard"):
        return render(request, f"incidents/_detail_{part}.html", context)
    # Cards of the apps above (the plans card...) come through core.panels: incidents imports none of them.
    return render(request, "incidents/detail.html", {**context, "stream_since": stream.last_seq(),
                                                     "panels": panels.render("incident", request, incident)})


def _detail_context(request, incident):
    assignments = incident.assignments.select_related("resource", "created_by", "acknowledged_by").order_by("created_at")
    can_dispatch = has_role(request.user, DISPATCH_ROLES) and incident.is_open
    try:
        limit = max(1, min(int(request.GET.get("limit", 8)), 50))
    except ValueError:
        limit = 8
    run_card, needs, recommendations = None, [], []
    if can_dispatch:
        # The run card's mix, grouped by need, with what is still missing (selectors.run_card_needs).
        run_card, needs = selectors.run_card_needs(incident=incident, recommend=False)
        if run_card is None:
            recommendations = selectors.units_recommend(incident=incident, limit=limit)
            for need in needs:
                need.recommended = [r for r in recommendations if r.need == need.capability]
        else:
            selectors.needs_recommend(incident=incident, needs=needs)
            recommendations = sorted((r for need in needs for r in need.recommended), key=selectors.rank_key)
    query = request.GET.get("q", "").replace("\x00", "")[:100]
    # The last toxic release modelled for the incident: its zones, targets, and the units in them.
    release = selectors.incident_release_latest(incident)
    return {
        "hazard": selectors.release_brief(release),
        "in_zone": selectors.units_in_zones(release=release),
        "incident": incident,
        "assignments": assignments,
        "timeline": incident.timeline.select_related("actor").order_by("at", "id"),
        "transitions": [Incident.Status(s) for s in services.STATUS_TRANSITIONS[incident.status]],
        "recommendations": recommendations,
        "run_card": run_card,
        "needs": needs,
        "unit_query": query,
        "search_results": selectors.units_search(incident=incident, query=query)
        if can_dispatch and ("q" in request.GET) else None,
        "can_dispatch": can_dispatch,
        "can_edit": has_role(request.user, INTAKE_ROLES) and incident.is_open,
        # Within 30 days of closing the toll may still change (then a 补报 is due: drills' card).
        "can_record_casualties": has_role(request.user, INTAKE_ROLES) and (
            incident.is_open or (incident.closed_at is not None
                                 and timezone.now() - incident.closed_at <= timedelta(days=grading.SUPPLEMENTARY_DAYS))),
        "milestones": selectors.incident_milestones(incident)["steps"],
        "severity_form": SeverityForm(initial={"severity": incident.severity}),
        "note_form": NoteForm(),
    }


@require_POST
@role_required(DISPATCH_ROLES)
def dispatch(request, pk):
    try:
        created = services.assignment_create(actor=request.user, incident_id=pk,
                                             resource_ids=request.POST.getlist("resources"))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Dispatched %(n)s unit(s).") % {"n": len(created)})
    return redirect("incidents:detail", pk=pk)


@require_POST
@role_required(INTAKE_ROLES)
def change(request, pk):
    """Status, severity and notes: one form each on the detail page."""
    action = request.POST.get("action")
    try:
        if action == "status":
            before = selectors.timeline_last_id(incident_id=pk)
            services.incident_change_status(actor=request.user, incident_id=pk, status=request.POST.get("status", ""),
                                            note=request.POST.get("note", ""))
            # Say at once what the change set off elsewhere (closing ends a running plan response...):
            # the entries other apps wrote in the same transaction.
            for entry in selectors.timeline_since(incident_id=pk, after_id=before).exclude(kind="status"):
                messages.info(request, entry.text)
        elif action == "severity":
            services.incident_change_severity(actor=request.user, incident_id=pk,
                                              severity=request.POST.get("severity", ""),
                                              reason=request.POST.get("reason", ""))
        elif action == "casualties":
            figures = {}
            for name in ("deaths", "injuries"):
                raw = request.POST.get(name, "").strip()
                if not (raw.isascii() and raw.isdigit()):
                    raise DomainError(_("“%(field)s” is a whole number from 0 up.") % {"field": name})
                figures[name] = int(raw)
            services.incident_record_casualties(actor=request.user, incident_id=pk,
                                                direct_loss_cny=request.POST.get("direct_loss_cny", "").strip() or "0",
                                                **figures)
        elif action == "note":
            services.incident_add_note(actor=request.user, incident_id=pk, text=request.POST.get("text", ""))
        else:
            raise DomainError(_("Unknown action."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("incidents:detail", pk=pk)


@require_GET
@role_required(CONSOLE_ROLES)
def unit_board(request):
    active = Assignment.objects.filter(status__in=Assignment.ACTIVE_STATUSES).select_related("incident")
    units = (Resource.objects.filter(kind__in=Resource.DISPATCHABLE_KINDS)
             .select_related("agency").prefetch_related(Prefetch("assignments", queryset=active, to_attr="active"),
                                                        "responders__user")
             .order_by("kind", "code"))
    status = request.GET.get("status")
    if status in Resource.Status.values:
        units = units.filter(status=status)
    counts = {s: 0 for s in Resource.Status.values}
    whereabouts = selectors.units_whereabouts([unit.pk for unit in units])
    for unit in units:
        counts[unit.status] += 1
        unit.whereabouts = whereabouts.get(unit.pk, {})
    context = {"units": units, "now": timezone.now(), "counts": counts, "statuses": Resource.Status.choices,
               "status_labels": {value: str(label) for value, label in Resource.Status.choices},
               "status_filter": status, "can_return": has_role(request.user, DISPATCH_ROLES)}
    if _fragment(request):
        return render(request, "incidents/_board_rows.html", context)
    return render(request, "incidents/board.html", {**context, "stream_since": stream.last_seq()})


METRICS_FIRST_DAY, METRICS_LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)


@require_GET
@role_required(CONSOLE_ROLES)
def metrics(request):
    today = timezone.localdate()
    try:
        start = datetime.fromisoformat(request.GET["start"]).date() if request.GET.get("start") else today - timedelta(days=30)
        end = datetime.fromisoformat(request.GET["end"]).date() if request.GET.get("end") else today
        if not (METRICS_FIRST_DAY <= start <= METRICS_LAST_DAY and METRICS_FIRST_DAY <= end <= METRICS_LAST_DAY):
            raise ValueError("out of range")  # the calendar's edges overflow a day's bounds
    except ValueError:
        messages.error(request, _("Dates must look like 2026-11-24, between %(first)s and %(last)s.") % {
            "first": METRICS_FIRST_DAY.isoformat(), "last": METRICS_LAST_DAY.isoformat()})
        start, end = today - timedelta(days=30), today
    if end < start:
        messages.error(request, _("The period ends before it starts."))
        start, end = end, start
    tz = timezone.get_current_timezone()
    bounds = {"start": datetime.combine(start, time.min, tz), "end": datetime.combine(end + timedelta(days=1), time.min, tz)}
    return render(request, "incidents/metrics.html", {
        "start": start, "end": end,
        "by_type": selectors.metrics_summary(**bounds, group_by="type"),
        "by_severity": selectors.metrics_summary(**bounds, group_by="severity"),
        "intervals": [name for name, _expr in selectors.METRIC_INTERVALS],
    })


# --- responder ----------------------------------------------------------------------

@require_GET
@role_required({RESPONDER})
def responder_page(request):
    responder = getattr(request.user, "responder", None)
    unit = responder.resource if responder else None
    qs = (Assignment.objects.filter(resource=unit).select_related("incident__type", "resource")
          .order_by("-created_at")) if unit else Assignment.objects.none()
    current = [a for a in qs if a.is_active]
    for assignment in current:
        # Wind, the way in from upwind and how far this unit stands from each zone (issue 22, point 2).
        assignment.hazard = selectors.release_brief(selectors.incident_release_latest(assignment.incident),
                                                    resource=unit)
    context = {"unit": unit, "current": current, "past": [a for a in qs[:30] if not a.is_active],
               "decline_reasons": DeclineReason.choices}
    if _fragment(request):
        return render(request, "incidents/_responder_assignments.html", context)
    return render(request, "incidents/responder.html", {**context, "stream_since": stream.last_seq()})


@require_POST
@login_required
def assignment_act(request, pk):
    """Acknowledge, decline, en route, on scene, cleared: from the responder page (or the console)."""
    action = request.POST.get("action")
    try:
        if action == "acknowledge":
            services.assignment_acknowledge(actor=request.user, assignment_id=pk)
        elif action == "decline":
            services.assignment_decline(actor=request.user, assignment_id=pk, reason=request.POST.get("reason", ""),
                                        code=request.POST.get("reason_code") or None)
        elif action in ("en_route", "on_scene", "cleared"):
            services.assignment_set_status(actor=request.user, assignment_id=pk, status=action)
        else:
            raise DomainError(_("Unknown action."))
    except DomainError as exc:
        if request.headers.get("X-Requested-With") == "fetch":
            return JsonResponse({"detail": exc.message}, status=exc.status)
        messages.error(request, exc.message)
    else:
        if request.headers.get("X-Requested-With") == "fetch":
            return JsonResponse({"ok": True})
    return redirect(request.POST.get("next") or "incidents:responder") if _safe_next(request) else redirect("home")


def _safe_next(request) -> bool:
    from django.utils.http import url_has_allowed_host_and_scheme

    nxt = request.POST.get("next")
    return not nxt or url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()})




@require_POST
@login_required
def unit_return(request, pk):
    """An out-of-service unit back in service: from the unit board or the unit's own phone."""
    try:
        unit = services.resource_return_to_service(actor=request.user, resource_id=pk)
    except DomainError as exc:
        if request.headers.get("X-Requested-With") == "fetch":
            return JsonResponse({"detail": exc.message}, status=exc.status)
        messages.error(request, exc.message)
    else:
        if request.headers.get("X-Requested-With") == "fetch":
            return JsonResponse({"ok": True})
        messages.success(request, _("%(unit)s is back in service.") % {"unit": unit.name})
    return redirect(request.POST.get("next") or "incidents:board") if _safe_next(request) else redirect("home")
