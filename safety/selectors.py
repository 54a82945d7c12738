"""Reads of the safety ledger. Every list a person sees goes through `scoped`: park supervisors
(and the console roles, read-only) see the whole park, an enterprise safety officer only their
own enterprise, anyone else nothing."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.gis.measure import D
from django.db.models import Count, Max, Min, Q, QuerySet
from django.utils import timezone

from core.roles import CONSOLE_ROLES, ENTERPRISE_OFFICER, SAFETY_SUPERVISOR, has_role, user_roles
from hazards.models import Enterprise, RiskSource
from monitoring import selectors as monitoring_selectors
from safety import colour_inputs as colour_inputs_registry
from safety import rules
from safety.models import (
    Certificate,
    Contractor,
    ContractorQualification,
    EnterpriseColour,
    EnterpriseMembership,
    HiddenDanger,
    ResponsiblePerson,
    RiskPoint,
    SafetyCommitment,
    WorkFiling,
    WorkPermit,
)


def membership_enterprise_id(user) -> int | None:
    """The enterprise an enterprise safety officer is bound to (None for anyone else)."""
    if not user or not user.is_authenticated:
        return None
    cached = getattr(user, "_safety_enterprise_id", "unset")
    if cached == "unset":
        membership = EnterpriseMembership.objects.filter(user=user).values_list("enterprise_id", flat=True).first()
        cached = membership if ENTERPRISE_OFFICER in user_roles(user) else None
        user._safety_enterprise_id = cached
    return cached


def sees_whole_park(user) -> bool:
    return has_role(user, {SAFETY_SUPERVISOR} | CONSOLE_ROLES)


def scoped(queryset: QuerySet, user, field: str = "enterprise") -> QuerySet:
    """The rows of `queryset` this user may see: another enterprise's rows simply are not there,
    so a detail view answers 404 for them, as for an id that does not exist."""
    if sees_whole_park(user):
        return queryset
    enterprise_id = membership_enterprise_id(user)
    if enterprise_id is None:
        return queryset.none()
    lookup = "pk" if field == "self" else f"{field}_id" if "__" not in field else field
    return queryset.filter(**{lookup: enterprise_id})


def enterprises_visible_to(user) -> QuerySet:
    return scoped(Enterprise.objects.all(), user, field="self").select_related("safety_colour")


def hidden_dangers_visible_to(user) -> QuerySet:
    return scoped(HiddenDanger.objects.select_related("enterprise", "reported_by", "rectified_by"), user)


def permits_visible_to(user) -> QuerySet:
    return scoped(WorkPermit.objects.select_related("enterprise", "filing"), user)


def risk_points_visible_to(user) -> QuerySet:
    return scoped(RiskPoint.objects.select_related("enterprise"), user)


def permits_in_force(at: dt.datetime | None = None) -> QuerySet:
    """Permits whose work is under way now: started, not closed, inside their window."""
    at = at or timezone.now()
    return WorkPermit.objects.filter(state=rules.WP.IN_PROGRESS, valid_from__lte=at, valid_to__gte=at)


def permits_in_force_near(point, metres: float = 500) -> QuerySet:
    """People may be inside a tank: a dispatcher sees the permits in force around an incident."""
    return permits_in_force().filter(location__dwithin=(point, D(m=metres))).select_related("enterprise")


def permits_retest_overdue(at: dt.datetime | None = None) -> QuerySet:
    """Confined-space work in progress whose last gas analysis is older than 2 h (GB 30871-2022 6)."""
    at = at or timezone.now()
    return (WorkPermit.objects.filter(kind="confined_space", state=rules.WP.IN_PROGRESS)
            .annotate(last_test=Max("gas_tests__at"))
            .filter(Q(last_test__isnull=True) | Q(last_test__lt=at - rules.CONFINED_RETEST_EVERY)))


def open_hidden_dangers() -> QuerySet:
    return HiddenDanger.objects.filter(state__in=rules.HD_OPEN)


def overdue_hidden_dangers(at: dt.datetime | None = None) -> QuerySet:
    return open_hidden_dangers().filter(deadline__lt=at or timezone.now())


def commitment_due_passed(at: dt.datetime | None = None) -> bool:
    local = timezone.localtime(at or timezone.now())
    return local.hour >= settings.SAFETY_COMMITMENT_DUE_HOUR


def commitment_today(enterprise_id: int, at: dt.datetime | None = None):
    return SafetyCommitment.objects.filter(enterprise_id=enterprise_id,
                                           date=timezone.localdate(at or timezone.now())).first()


def active_alarms(enterprise_id: int) -> int:
    """Open, real alarms on the enterprise's monitoring points (monitoring sits below safety)."""
    return monitoring_selectors.enterprise_open_alarms(enterprise_id).count()


def alarms_of(enterprise_id: int, limit: int = 20) -> list:
    return list(monitoring_selectors.enterprise_open_alarms(enterprise_id).select_related("point")
                .order_by("-raised_at")[:limit])


def colour_inputs(enterprise_id: int, at: dt.datetime | None = None) -> rules.ColourInputs:
    at = at or timezone.now()
    best = (RiskSource.objects.filter(enterprise_id=enterprise_id, is_major=True, grade__isnull=False)
            .order_by("grade", "code").first())
    hidden = HiddenDanger.objects.filter(enterprise_id=enterprise_id, state__in=rules.HD_OPEN).aggregate(
        major=Count("id", filter=Q(level="major")), overdue=Count("id", filter=Q(deadline__lt=at)))
    expired = Certificate.objects.filter(manager__enterprise_id=enterprise_id, expires_on__lt=timezone.localdate(at)).count()
    return rules.ColourInputs(
        best_grade=best.grade if best else None,
        best_grade_source=f"{best.code} {best.name}" if best else "",
        red_risk_points=RiskPoint.objects.filter(enterprise_id=enterprise_id, colour="red").count(),
        open_major_hidden_dangers=hidden["major"],
        overdue_items=hidden["overdue"] + expired + permits_retest_overdue(at).filter(enterprise_id=enterprise_id).count(),
        expired_qualifications=expired_qualification_count(enterprise_id, at),
        active_alarms=active_alarms(enterprise_id) or 0,
        missing_commitment=commitment_due_passed(at) and commitment_today(enterprise_id, at) is None,
        extra=colour_inputs_registry.measured(enterprise_id, at),
    )


def responsible_gaps(enterprise_id: int) -> list[dict]:
    """Major hazard sources lacking one of the three 包保 persons: a visible gap in the ledger."""
    gaps = []
    roles = ResponsiblePerson.Role
    sources = RiskSource.objects.filter(enterprise_id=enterprise_id, is_major=True).prefetch_related(
        "responsible_persons").order_by("code")
    for source in sources:
        have = {p.role for p in source.responsible_persons.all()}
        missing = [roles(r).label for r in roles.values if r not in have]
        if missing:
            gaps.append({"risk_source": source, "missing": missing})
    return gaps


def ledger(enterprise: Enterprise, at: dt.datetime | None = None) -> dict:
    """Everything of one enterprise's 一盘帐, for the page, the API and the Excel export."""
    at = at or timezone.now()
    sources = list(RiskSource.objects.filter(enterprise=enterprise).prefetch_related("responsible_persons")
                   .order_by("grade", "code"))
    managers = list(enterprise.safety_managers.prefetch_related("certificates"))
    colour = EnterpriseColour.objects.filter(enterprise=enterprise).first()
    return {
        "enterprise": enterprise,
        "colour": colour,
        "risk_sources": sources,
        "responsible_gaps": responsible_gaps(enterprise.pk),
        "managers": managers,
        "expired_certificates": [c for m in managers for c in m.certificates.all() if c.expires_on < timezone.localdate(at)],
        "risk_points": list(enterprise.risk_points.order_by("-score")),
        "hidden_dangers": list(enterprise.hidden_dangers.filter(state__in=rules.HD_OPEN).order_by("deadline")),
        "closed_hidden_dangers": list(enterprise.hidden_dangers.filter(state=rules.HD.CLOSED).order_by("-closed_at")[:20]),
        "permits": list(enterprise.work_permits.filter(state__in=rules.PERMIT_OPEN).order_by("valid_from")),
        "alarms": alarms_of(enterprise.pk),
        "commitment": commitment_today(enterprise.pk, at),
        "commitment_missing": commitment_due_passed(at) and commitment_today(enterprise.pk, at) is None,
        "colour_history": list(enterprise.colour_changes.all()[:20]),
        "supervision_days": rules.SUPERVISION_INTERVAL_DAYS.get(colour.colour if colour else "blue"),
        "now": at,
    }


def park_overview(user, at: dt.datetime | None = None) -> list[dict]:
    """One row per enterprise the user may see: colour, gaps, overdue, today's commitment, permits."""
    at = at or timezone.now()
    today = timezone.localdate(at)
    enterprises = enterprises_visible_to(user).filter(in_chemical_park=True).annotate(
        open_hd=Count("hidden_dangers", filter=Q(hidden_dangers__state__in=rules.HD_OPEN), distinct=True),
        major_hd=Count("hidden_dangers", filter=Q(hidden_dangers__state__in=rules.HD_OPEN,
                                                  hidden_dangers__level="major"), distinct=True),
        overdue_hd=Count("hidden_dangers", filter=Q(hidden_dangers__state__in=rules.HD_OPEN,
                                                    hidden_dangers__deadline__lt=at), distinct=True),
        permits_now=Count("work_permits", filter=Q(work_permits__state=rules.WP.IN_PROGRESS,
                                                   work_permits__valid_from__lte=at,
                                                   work_permits__valid_to__gte=at), distinct=True),
        best_grade=Min("risk_sources__grade"),
    ).order_by("code")
    committed = set(SafetyCommitment.objects.filter(date=today).values_list("enterprise_id", flat=True))
    due = commitment_due_passed(at)
    rows = []
    for enterprise in enterprises:
        colour = getattr(enterprise, "safety_colour", None)
        rows.append({
            "enterprise": enterprise, "colour": colour.colour if colour else "", "factors": colour.factors if colour else [],
            "open_hd": enterprise.open_hd, "major_hd": enterprise.major_hd, "overdue_hd": enterprise.overdue_hd,
            "permits_now": enterprise.permits_now, "best_grade": enterprise.best_grade,
            "committed": enterprise.pk in committed, "commitment_missing": due and enterprise.pk not in committed,
            "gaps": len(responsible_gaps(enterprise.pk)),
        })
    return rows


def officer_todo(enterprise_id: int, at: dt.datetime | None = None) -> dict:
    """An enterprise officer's to-do list: what needs them, most urgent first."""
    at = at or timezone.now()
    hidden = HiddenDanger.objects.filter(enterprise_id=enterprise_id, state__in=(rules.HD.REPORTED, rules.HD.RECTIFYING))
    return {
        "commitment_missing": commitment_today(enterprise_id, at) is None,
        "to_plan": list(hidden.filter(state=rules.HD.REPORTED).order_by("deadline")),
        "to_rectify": list(hidden.filter(state=rules.HD.RECTIFYING).order_by("deadline")),
        "overdue": list(overdue_hidden_dangers(at).filter(enterprise_id=enterprise_id)),
        "permits_to_start": list(WorkPermit.objects.filter(enterprise_id=enterprise_id, state=rules.WP.SUBMITTED)
                                 .order_by("valid_from")),
        "expiring_certificates": list(Certificate.objects.filter(
            manager__enterprise_id=enterprise_id, expires_on__lte=timezone.localdate(at) + dt.timedelta(days=30))
            .select_related("manager")),
        "gaps": responsible_gaps(enterprise_id),
    }


# --- contractors, 报备, statistics (issue 25, points 3 and 7) ------------------------------------

def contractors_visible_to(user) -> QuerySet:
    return scoped(Contractor.objects.select_related("enterprise"), user)


def qualifications_expiring(user, at: dt.datetime | None = None) -> QuerySet:
    """Contractors' qualifications expired or expiring within the warning period, soonest first."""
    from safety.special_work import QUALIFICATION_EXPIRING_DAYS

    today = timezone.localdate(at or timezone.now())
    return (scoped(ContractorQualification.objects.select_related("contractor__enterprise"), user,
                   field="contractor__enterprise_id")
            .filter(valid_to__lte=today + dt.timedelta(days=QUALIFICATION_EXPIRING_DAYS))
            .order_by("valid_to", "contractor__name", "id"))


def expired_qualification_count(enterprise_id: int, at: dt.datetime) -> int:
    """A colour input: qualifications of the enterprise's contractors that have lapsed. The newest
    qualification of a kind counts, so a renewed one (a new number) ends the lapse of the old one,
    as with licences."""
    today = timezone.localdate(at)
    return (ContractorQualification.objects.filter(contractor__enterprise_id=enterprise_id)
            .order_by().values("contractor_id", "kind").annotate(latest=Max("valid_to"))
            .filter(latest__lt=today).count())


def filings_visible_to(user) -> QuerySet:
    return scoped(WorkFiling.objects.select_related("enterprise", "permit", "filed_by"), user)


def filing_gaps(user, at: dt.datetime | None = None, limit: int = 200) -> dict:
    """What the park is scored on: work filed (报备) whose planned start has passed with no permit
    linked, and permits whose work started without being filed."""
    at = at or timezone.now()
    return {
        "filings_without_permit": list(filings_visible_to(user).filter(permit__isnull=True, planned_from__lte=at)
                                       .order_by("planned_from", "id")[:limit]),
        "permits_without_filing": list(permits_visible_to(user).filter(started_at__isnull=False, filing__isnull=True)
                                       .exclude(state=rules.WP.CANCELLED).order_by("-started_at", "-id")[:limit]),
    }


def permit_stats(user, *, start: dt.datetime | None = None, end: dt.datetime | None = None) -> dict:
    """Permits (not cancelled) whose window starts in [start, end), counted by kind, grade (hot
    work), enterprise and month (local time)."""
    from django.db.models.functions import TruncMonth

    permits = permits_visible_to(user).exclude(state=rules.WP.CANCELLED)
    if start is not None:
        permits = permits.filter(valid_from__gte=start)
    if end is not None:
        permits = permits.filter(valid_from__lt=end)
    labels = dict(WorkPermit.Kind.choices)
    grades = dict(WorkPermit.Grade.choices)
    by_kind = {row["kind"]: row["n"] for row in permits.values("kind").annotate(n=Count("id"))}
    by_grade = {row["grade"]: row["n"] for row in permits.filter(kind="hot_work").values("grade").annotate(n=Count("id"))}
    by_enterprise = (permits.values("enterprise_id", "enterprise__code", "enterprise__name").annotate(n=Count("id"))
                     .order_by("enterprise__code"))
    by_month = (permits.annotate(month=TruncMonth("valid_from", tzinfo=timezone.get_current_timezone()))
                .values("month").annotate(n=Count("id")).order_by("month"))
    return {
        "from": start, "to": end, "total": permits.count(),
        "by_kind": [{"kind": k, "label": str(labels[k]), "count": by_kind.get(k, 0)} for k in WorkPermit.Kind.values],
        "by_grade": [{"grade": g, "label": str(grades[g]), "count": by_grade.get(g, 0)} for g in WorkPermit.Grade.values],
        "by_enterprise": [{"enterprise": {"id": r["enterprise_id"], "code": r["enterprise__code"],
                                          "name": r["enterprise__name"]}, "count": r["n"]} for r in by_enterprise],
        "by_month": [{"month": timezone.localtime(r["month"]).strftime("%Y-%m"), "count": r["n"]} for r in by_month],
    }
