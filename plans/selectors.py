"""Reads that need thought: which plans fit an incident, who is on duty, where the roster has holes."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

from django.contrib.gis.measure import D
from django.db.models import Prefetch, Q
from django.utils import timezone

from core.roles import PLANNER, has_role
from incidents.models import Incident
from plans.models import Action, Activation, DutyPost, Plan, ResponseLevel, Shift, Task
from plans.models.plan import LEVEL_RANK

# An on-site plan covers incidents within this distance of its enterprise's site.
SITE_RADIUS_M = 1000


@dataclass
class PlanMatch:
    plan: Plan
    level: ResponseLevel | None
    reasons: list[str] = field(default_factory=list)
    triggered_by: list[str] = field(default_factory=list)


def plans_matching(incident: Incident) -> list[PlanMatch]:
    """The published plans that apply to the incident (by type, area, and enterprise site or risk
    source within SITE_RADIUS_M), most specific
    kind first, each with the level the incident's figures trigger."""
    plans = (Plan.objects.filter(status=Plan.Status.PUBLISHED)
             .filter(Q(incident_types__isnull=True) | Q(incident_types=incident.type_id))
             .filter(Q(areas__isnull=True) | Q(areas__boundary__intersects=incident.location)
                     | Q(areas=incident.area_id))
             .filter(Q(enterprises__isnull=True, risk_sources__isnull=True)
                     | Q(enterprises__location__dwithin=(incident.location, D(m=SITE_RADIUS_M)))
                     | Q(risk_sources__location__dwithin=(incident.location, D(m=SITE_RADIUS_M))))
             .distinct()
             .prefetch_related("levels", "incident_types", "areas", "enterprises", "risk_sources"))
    matches = []
    for plan in plans:
        level, triggered_by = triggered_level(plan, incident)
        reasons = []
        if plan.incident_types.all():
            reasons.append("type")
        if plan.areas.all():
            reasons.append("area")
        if plan.enterprises.all() or plan.risk_sources.all():
            reasons.append("site")
        matches.append(PlanMatch(plan=plan, level=level, reasons=reasons, triggered_by=triggered_by))
    matches.sort(key=lambda m: (Plan.KIND_ORDER.get(m.plan.kind, 9), m.plan.code))
    return matches


def triggered_level(plan: Plan, incident: Incident) -> tuple[ResponseLevel | None, list[str]]:
    """The level the plan starts at for this incident (分级响应), and why.

    Two things raise it, and the higher wins:
    - the incident's assessed severity: a Ⅱ incident starts a plan at Ⅱ (or at the plan's
      highest level below Ⅱ when the plan has no Ⅱ), reason "severity";
    - the incident's figures: the highest level any one of whose thresholds they reach
      (reasons "deaths", "injuries", "affected", "evacuated").
    Without either (a Ⅳ incident, no threshold reached), the plan's lowest level, no reason.
    Before issue 13 only the figures counted, so a Ⅱ incident with no casualties yet showed Ⅳ.
    """
    levels = sorted(plan.levels.all(), key=lambda lv: lv.rank)  # highest (Ⅰ) first
    if not levels:
        return None, []
    by_figures, hits = None, []
    for level in levels:
        hits = level.triggered_by(incident)
        if hits:
            by_figures = level
            break
    severity_rank = LEVEL_RANK.get(incident.severity)
    by_severity = next((lv for lv in levels if severity_rank is not None and lv.rank >= severity_rank), None)
    if by_severity is levels[-1]:
        by_severity = None  # the plan's lowest level is where it starts anyway: the entry level
    if by_figures is None and by_severity is None:
        return levels[-1], []
    if by_figures is None or (by_severity is not None and by_severity.rank < by_figures.rank):
        return by_severity, ["severity"]
    if by_severity is not None and by_severity.rank == by_figures.rank:
        return by_figures, ["severity", *hits]
    return by_figures, hits


def incident_activations(incident: Incident) -> list[Activation]:
    return list(Activation.objects.filter(incident=incident)
                .select_related("plan", "activated_by", "ended_by")
                .prefetch_related(Prefetch("tasks", queryset=Task.objects.select_related("done_by")))
                .order_by("status", "-activated_at"))


def higher_levels(activation: Activation) -> list[ResponseLevel]:
    rank = LEVEL_RANK[activation.level]
    return [lv for lv in activation.plan.levels.all() if lv.rank < rank]


# --- duty ----------------------------------------------------------------------------

def on_duty_now(at: dt.datetime | None = None):
    at = at or timezone.now()
    return (Shift.objects.filter(start__lte=at, end__gt=at)
            .select_related("post", "person").order_by("post__order", "post__code", "start"))


def on_duty_user_ids(at: dt.datetime | None = None) -> set[int]:
    at = at or timezone.now()
    return set(Shift.objects.filter(start__lte=at, end__gt=at).values_list("person_id", flat=True))


def is_on_duty(user, at: dt.datetime | None = None) -> bool:
    if not user or not getattr(user, "is_authenticated", False):
        return False
    at = at or timezone.now()
    return Shift.objects.filter(person=user, start__lte=at, end__gt=at).exists()


@dataclass
class Gap:
    post: DutyPost
    start: dt.datetime
    end: dt.datetime

    @property
    def hours(self) -> float:
        return round((self.end - self.start).total_seconds() / 3600, 1)


def roster_gaps(start: dt.datetime | None = None, days: int = 7) -> list[Gap]:
    """Hours in the coming `days` when a post that needs cover has nobody on the roster."""
    start = start or timezone.now()
    end = start + dt.timedelta(days=days)
    gaps = []
    for post in DutyPost.objects.filter(requires_cover=True):
        cursor = start
        for shift in post.shifts.filter(end__gt=start, start__lt=end).order_by("start"):
            if shift.start > cursor:
                gaps.append(Gap(post, cursor, shift.start))
            cursor = max(cursor, shift.end)
        if cursor < end:
            gaps.append(Gap(post, cursor, end))
    gaps.sort(key=lambda g: (g.start, g.post.order))
    return gaps


@dataclass
class MonthDay:
    date: dt.date
    cells: list[list[Shift]]


def roster_month(year: int, month: int) -> tuple[list[DutyPost], list[MonthDay]]:
    """Shifts of a month as a grid: one row per day, one cell per post (local time)."""
    tz = timezone.get_current_timezone()
    first = dt.datetime(year, month, 1, tzinfo=tz)
    ndays = calendar.monthrange(year, month)[1]
    after = first + dt.timedelta(days=ndays)
    posts = list(DutyPost.objects.all())
    column = {p.pk: i for i, p in enumerate(posts)}
    days = [MonthDay(date=(first + dt.timedelta(days=i)).date(), cells=[[] for _ in posts]) for i in range(ndays)]
    shifts = Shift.objects.filter(start__lt=after, end__gt=first).select_related("person", "post").order_by("start")
    for shift in shifts:
        day = timezone.localtime(shift.start, tz).date()
        index = (day - first.date()).days
        if 0 <= index < ndays:
            days[index].cells[column[shift.post_id]].append(shift)
    return posts, days


def person_shifts(user, *, since: dt.datetime | None = None):
    since = since or (timezone.now() - dt.timedelta(days=31))
    return Shift.objects.filter(person=user, end__gte=since).select_related("post").order_by("start")


def plan_action_rows(plan: Plan) -> list[dict]:
    """The plan's actions as flat rows, the format of the CSV/Excel import."""
    actions = (Action.objects.filter(level__plan=plan).select_related("level", "responsible_agency")
               .order_by("level__level", "order", "id"))
    return [{
        "level": a.level.level, "order": a.order, "title": a.title, "instructions": a.instructions,
        "responsible_agency": a.responsible_agency.code if a.responsible_agency_id else "",
        "responsible_role": a.responsible_role, "time_limit_min": a.time_limit_min,
    } for a in actions]


def plans_visible_to(user):
    """Published plans for the console, like the plans page; drafts and old versions too for
    planners, like the plan document page."""
    levels = Prefetch("levels", queryset=ResponseLevel.objects.prefetch_related(
        Prefetch("actions", queryset=Action.objects.select_related("responsible_agency"))))
    qs = (Plan.objects.select_related("issuing_agency")
          .prefetch_related(levels, "incident_types", "areas").order_by("code", "-version"))
    if has_role(user, [PLANNER]) or user.has_perm("plans.change_plan"):
        return qs
    return qs.filter(status=Plan.Status.PUBLISHED)
