"""Pages of the safety ledger: the park overview for supervisors, the enterprise ledger (with an
officer's to-do list), hidden dangers and permits. Phone-friendly: officers walk the plant.

Every page reads through safety.selectors: another enterprise's record is a 404."""

from django.conf import settings
from django.contrib import messages
from django.contrib.gis.geos import Point
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.params import is_id
from core.roles import SAFETY_ROLES, SAFETY_SUPERVISOR, has_role, role_required
from safety import api, export, rules, selectors, services, views_work
from safety.form_posts import form_post, plain_errors
from safety.forms import (
    CommitmentForm,
    DrawForm,
    GasTestForm,
    HiddenDangerForm,
    NoteForm,
    PermitForm,
    PhotoForm,
    RectificationForm,
    RiskPointForm,
    VerifyForm,
)
from safety.models import InspectionDraw, WorkPermit
from stream import last_seq

ledger_role = role_required(SAFETY_ROLES, None)


def _is_supervisor(user) -> bool:
    return has_role(user, {SAFETY_SUPERVISOR})


@ledger_role
def overview(request):
    """Supervisors: the park at a glance. Officers go straight to their own enterprise."""
    if not _is_supervisor(request.user):
        enterprise_id = selectors.membership_enterprise_id(request.user)
        if enterprise_id is None:
            return render(request, "safety/no_enterprise.html", status=403)
        return redirect("safety:enterprise", pk=enterprise_id)
    rows = selectors.park_overview(request.user)
    return render(request, "safety/overview.html", {
        "rows": rows, "due_hour": settings.SAFETY_COMMITMENT_DUE_HOUR,
        "overdue": selectors.overdue_hidden_dangers().select_related("enterprise").order_by("deadline")[:50],
        "permits": selectors.permits_in_force().select_related("enterprise").order_by("valid_to"),
        "retest_overdue": set(selectors.permits_retest_overdue().values_list("pk", flat=True)),
        "awaiting": selectors.hidden_dangers_visible_to(request.user).filter(state=rules.HD.AWAITING)
        .order_by("deadline"),
        "draw_form": DrawForm(),
        "draws": InspectionDraw.objects.select_related("drawn_by").prefetch_related("enterprises")
        .order_by("-drawn_at")[:5],
        "stream_since": last_seq(),
    })


@ledger_role
@require_POST
def draw(request):
    """A random inspection draw (双随机), weighted by colour; supervisors only (the service says so)."""

    def act(data):
        inspectors = [n.strip() for n in data["inspectors"].split(",") if n.strip()]
        return services.inspection_draw(actor=request.user, count=data["count"], inspectors=inspectors)

    return form_post(request, DrawForm(request.POST), act, done=lambda drawn: _("Drawn: %(names)s.") % {
        "names": ", ".join(e.name for e in drawn.enterprises.order_by("code"))}, to=reverse("safety:overview"),
        errors=plain_errors)


@ledger_role
def risk_map(request):
    """The four-colour map (风险四色图): an officer's shows their own enterprise only."""
    return render(request, "safety/map.html", {
        "stream_since": last_seq(),  # live: permits and colours refresh as their events arrive
        "words": {"kind": {k: str(v) for k, v in WorkPermit.Kind.choices},
                  "grade": {k: str(v) for k, v in WorkPermit.Grade.choices},
                  "colour": {k: str(v) for k, v in rules.COLOUR_LABELS.items()}},
    })


@ledger_role
def enterprise(request, pk):
    enterprise = get_object_or_404(selectors.enterprises_visible_to(request.user), pk=pk)
    context = selectors.ledger(enterprise)
    context.update({
        "is_supervisor": _is_supervisor(request.user),
        "todo": None if _is_supervisor(request.user) else selectors.officer_todo(enterprise.pk),
        "commitment_form": CommitmentForm(initial=_commitment_initial(context["commitment"])),
        "risk_point_form": RiskPointForm(initial={"lon": round(enterprise.location.x, 5),
                                                  "lat": round(enterprise.location.y, 5), "method": "LEC"}),
        "stream_since": last_seq(),
    })
    return render(request, "safety/enterprise.html", context)


@ledger_role
def enterprise_export(request, pk):
    enterprise = get_object_or_404(selectors.enterprises_visible_to(request.user), pk=pk)
    return export.ledger_response(enterprise)


@ledger_role
@require_POST
def commitment(request, pk):
    enterprise = get_object_or_404(selectors.enterprises_visible_to(request.user), pk=pk)
    return form_post(request, CommitmentForm(request.POST), lambda data: services.commitment_file(
        actor=request.user, enterprise_id=enterprise.pk, **data), done=_("Today's safety commitment is filed."),
        to=reverse("safety:enterprise", args=[enterprise.pk]), errors=lambda form: _(
            "The commitment is incomplete: %(errors)s") % {"errors": "; ".join(
                f"{form.fields[k].label}: {' '.join(v)}" for k, v in form.errors.items() if k in form.fields)})


@ledger_role
@require_POST
def risk_point_add(request, pk):
    enterprise = get_object_or_404(selectors.enterprises_visible_to(request.user), pk=pk)

    def assess(data):
        data = dict(data)
        location = Point(data.pop("lon"), data.pop("lat"), srid=4326)
        return services.risk_point_assess(actor=request.user, enterprise_id=enterprise.pk, location=location, **data)

    return form_post(request, RiskPointForm(request.POST), assess, done=lambda point: _(
        "Risk point assessed: %(score)s, %(colour)s.") % {"score": f"{point.score:g}",
                                                          "colour": point.get_colour_display()},
        to=reverse("safety:enterprise", args=[enterprise.pk]) + "#risk-points", errors=lambda form: " ".join(
            f"{form.fields[k].label}: {' '.join(v)}" for k, v in form.errors.items() if k in form.fields))


@ledger_role
def hidden_danger_list(request):
    items = selectors.hidden_dangers_visible_to(request.user)
    state = request.GET.get("state", "open")
    if state == "open":
        items = items.filter(state__in=rules.HD_OPEN)
    elif state in {s for s, _label in rules_state_choices()}:
        items = items.filter(state=state)
    return render(request, "safety/hidden_danger_list.html", {
        "items": items.order_by("deadline")[:300], "state": state, "states": rules_state_choices(),
        "now": timezone.now(),
    })


def rules_state_choices():
    from safety.models import HiddenDanger

    return HiddenDanger.State.choices


@ledger_role
def hidden_danger_new(request):
    enterprises = selectors.enterprises_visible_to(request.user).order_by("code")
    initial = {k: request.GET[k] for k in ("enterprise", "inspection") if is_id(request.GET.get(k, ""))}
    form = HiddenDangerForm(request.POST or None, request.FILES or None, enterprises=enterprises, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        photo = data.pop("photo")
        lon, lat = data.pop("lon"), data.pop("lat")
        data["location"] = Point(lon, lat, srid=4326) if lon is not None and lat is not None else None
        try:
            with transaction.atomic():  # a refused photo leaves no half-reported hidden danger
                hd = services.hidden_danger_report(actor=request.user, enterprise_id=data.pop("enterprise").pk,
                                                   **data)
                if photo:
                    services.hidden_danger_photo_add(actor=request.user, hidden_danger_id=hd.pk, upload=photo)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("Hidden danger reported."))
            return redirect("safety:hidden_danger", pk=hd.pk)
    return render(request, "safety/hidden_danger_new.html", {"form": form}, status=400 if form.errors else 200)


@ledger_role
def hidden_danger(request, pk):
    hd = get_object_or_404(selectors.hidden_dangers_visible_to(request.user).prefetch_related("steps__actor", "photos"),
                           pk=pk)
    return render(request, "safety/hidden_danger.html", _hd_context(request, hd))


def _hd_context(request, hd, **forms):
    supervisor = _is_supervisor(request.user)
    return {
        "hd": hd, "is_supervisor": supervisor,
        "criteria": [(c, rules.criterion_text(c)) for c in hd.criteria],
        "plan_form": forms.get("plan_form") or RectificationForm(initial={
            "measures": hd.measures, "responsible": hd.responsible, "funds_cny": hd.funds_cny,
            "contingency": hd.contingency,
            "deadline": timezone.localtime(hd.deadline).strftime("%Y-%m-%dT%H:%M")}),
        "note_form": NoteForm(), "verify_form": forms.get("verify_form") or VerifyForm(), "photo_form": PhotoForm(),
        "can_plan": rules.hidden_danger_next(hd.state, "plan") is not None,
        "can_rectify": rules.hidden_danger_next(hd.state, "rectified") is not None,
        "can_verify": (hd.state == rules.HD.AWAITING and hd.rectified_by_id != request.user.pk
                       and services.verifiable_by(request.user, hd)),
        "stream_since": last_seq(),
    }


@ledger_role
@require_POST
def hidden_danger_step(request, pk, step):
    hd = get_object_or_404(selectors.hidden_dangers_visible_to(request.user), pk=pk)
    form_class = {"plan": RectificationForm, "rectified": NoteForm, "verify": VerifyForm, "photo": PhotoForm}[step]
    form = form_class(request.POST, request.FILES) if step == "photo" else form_class(request.POST)

    def act(data):
        if step == "plan":
            return services.hidden_danger_plan(actor=request.user, hidden_danger_id=hd.pk, **data)
        if step == "rectified":
            return services.hidden_danger_rectified(actor=request.user, hidden_danger_id=hd.pk, **data)
        if step == "verify":
            return services.hidden_danger_verify(actor=request.user, hidden_danger_id=hd.pk, **data)
        return services.hidden_danger_photo_add(actor=request.user, hidden_danger_id=hd.pk, upload=data["photo"])

    return form_post(request, form, act, done=_("Saved."), to=reverse("safety:hidden_danger", args=[hd.pk]),
                     errors=plain_errors)


@ledger_role
def hidden_danger_photo(request, pk, photo_pk):
    return api.photo_response(request.user, pk, photo_pk)


@ledger_role
def permit_list(request):
    permits = selectors.permits_visible_to(request.user).filter(state__in=rules.PERMIT_OPEN).order_by("valid_from")
    return render(request, "safety/permit_list.html", {"permits": permits[:300], "now": timezone.now()})


@ledger_role
def permit_new(request):
    enterprises = selectors.enterprises_visible_to(request.user).order_by("code")
    form = PermitForm(request.POST or None, enterprises=enterprises,
                      contractors=selectors.contractors_visible_to(request.user).order_by("enterprise__code", "name"))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["contractor"] = data["contractor"].pk if data["contractor"] else None
        try:
            permit = services.work_permit_submit(actor=request.user, enterprise_id=data.pop("enterprise").pk, **data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("Permit submitted."))
            return redirect("safety:permit", pk=permit.pk)
    return render(request, "safety/permit_new.html", {"form": form}, status=400 if form.errors else 200)


@ledger_role
def permit(request, pk):
    permit = get_object_or_404(selectors.permits_visible_to(request.user).prefetch_related("gas_tests"), pk=pk)
    tests = list(permit.gas_tests.all())
    return render(request, "safety/permit.html", {
        "permit": permit, "tests": tests, "gas_form": GasTestForm(initial={
            "at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")}),
        "retest_due": rules.retest_due(permit.kind, tests[-1].at if tests else None)
        if permit.state == rules.WP.IN_PROGRESS else None,
        "steps": [s for s in ("start", "resume", "close", "cancel") if rules.permit_next(permit.state, s)],
        "can_pause": permit.state == rules.WP.IN_PROGRESS,
        "now": timezone.now(),
        "alarm_actions": list(permit.alarm_actions.all()),
        **views_work.permit_context(request, permit),
    })


@ledger_role
@require_POST
def permit_step(request, pk, step):
    permit = get_object_or_404(selectors.permits_visible_to(request.user), pk=pk)
    try:
        if step == "gas-test":
            form = GasTestForm(request.POST)
            if not form.is_valid():
                raise DomainError(" ".join(str(e) for errors in form.errors.values() for e in errors))
            _test, breaches = services.gas_test_record(actor=request.user, permit_id=permit.pk, test=form.cleaned_data)
            for breach in breaches:
                messages.warning(request, f"{breach.rule}: {breach.message}")
        elif step == "start":
            services.work_permit_start(actor=request.user, permit_id=permit.pk)
        elif step == "resume":
            services.work_permit_resume(actor=request.user, permit_id=permit.pk)
        elif step == "pause":
            services.work_permit_pause(actor=request.user, permit_id=permit.pk)
        else:
            services.work_permit_close(actor=request.user, permit_id=permit.pk, cancel=step == "cancel")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(reverse("safety:permit", args=[permit.pk]))


def _commitment_initial(commitment) -> dict:
    if commitment is None:
        return {"special_work": 0, "trial_runs": 0, "startups_shutdowns": 0, "risk_level": "blue"}
    return {f: getattr(commitment, f) for f in ("units_running", "units_stopped", "special_work", "trial_runs",
                                                "startups_shutdowns", "risk_level", "note")}
