"""Reads of the park's safety administration: what each person may see (a supervisor the whole
park, an enterprise officer their own enterprise, as in safety.selectors), and what is due,
overdue or expiring, for the supervisor's overview, the colour and the reminders."""

from __future__ import annotations

import datetime as dt

from django.db.models import Max, Min, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from hazards.models import Enterprise, RiskSource
from incidents import grading
from incidents.models import Incident
from oversight import overview_sources, rules
from oversight.models import DutyCheck, Evaluation, Inspection, Licence, RedFinding, Turnaround
from safety import selectors as ledger
from safety.models import Certificate, ResponsiblePerson

# safety's 包保 roles are named main/technical/operational; the contract says principal.
LEDGER_ROLE = {"principal": ResponsiblePerson.Role.MAIN, "technical": ResponsiblePerson.Role.TECHNICAL,
               "operational": ResponsiblePerson.Role.OPERATIONAL}


def licences_visible_to(user) -> QuerySet:
    return ledger.scoped(Licence.objects.select_related("enterprise"), user)


def duty_checks_visible_to(user) -> QuerySet:
    return ledger.scoped(DutyCheck.objects.select_related("risk_source__enterprise"), user,
                         field="risk_source__enterprise")


def evaluations_visible_to(user) -> QuerySet:
    return ledger.scoped(Evaluation.objects.select_related("risk_source__enterprise"), user,
                         field="risk_source__enterprise")


def turnarounds_visible_to(user) -> QuerySet:
    return ledger.scoped(Turnaround.objects.select_related("enterprise").prefetch_related("risk_sources"), user)


def red_findings_visible_to(user) -> QuerySet:
    return ledger.scoped(RedFinding.objects.select_related("enterprise"), user)


def red_findings_open_count(condition: str):
    """A colour input's counter: the enterprise's open findings of one outright-red condition."""
    def count(enterprise_id: int, at: dt.datetime) -> int:
        return RedFinding.objects.filter(enterprise_id=enterprise_id, condition=condition,
                                         found_on__lte=timezone.localdate(at), resolved_on__isnull=True).count()

    count.__name__ = f"red_findings_open_{condition}"
    return count


def inspections_visible_to(user) -> QuerySet:
    return ledger.scoped(Inspection.objects.select_related("enterprise").prefetch_related("findings"), user)


def turnarounds_running(at: dt.datetime | None = None) -> QuerySet:
    at = at or timezone.now()
    return Turnaround.objects.filter(state=Turnaround.State.REPORTED, planned_from__lte=at, planned_to__gte=at)


def turnarounds_between(user, start: dt.datetime, end: dt.datetime) -> QuerySet:
    """The park calendar: turnarounds overlapping [start, end) that this user may see."""
    return turnarounds_visible_to(user).filter(state=Turnaround.State.REPORTED, planned_from__lt=end,
                                               planned_to__gte=start).order_by("planned_from")


def risk_sources_visible_to(user) -> QuerySet:
    return ledger.scoped(RiskSource.objects.select_related("enterprise"), user)


# --- licences -------------------------------------------------------------------------------

def licences_lapsed(enterprise_id: int | None = None, at: dt.datetime | None = None) -> QuerySet:
    today = timezone.localdate(at or timezone.now())
    queryset = Licence.objects.filter(valid_to__lt=today)
    return queryset if enterprise_id is None else queryset.filter(enterprise_id=enterprise_id)


def licences_expiring(at: dt.datetime | None = None) -> QuerySet:
    today = timezone.localdate(at or timezone.now())
    return Licence.objects.filter(valid_to__gte=today,
                                  valid_to__lte=today + dt.timedelta(days=rules.LICENCE_REMINDER_DAYS[0]))


def expired_licence_count(enterprise_id: int, at: dt.datetime) -> int:
    """A colour input: an enterprise working on a lapsed licence. The newest licence of a kind
    counts, so a renewed licence (a new number) ends the lapse of the old one."""
    today = timezone.localdate(at)
    current = (Licence.objects.filter(enterprise_id=enterprise_id).values("kind")
               .annotate(latest=Max("valid_to")))
    return sum(1 for row in current if row["latest"] < today)


# --- the national scheme's outright-red conditions ------------------------------------------

MAJOR_ACCIDENT_YEARS = 3
FATAL_GENERAL_YEARS = 1


def _accidents(enterprise_id: int, at: dt.datetime, years: int) -> list[tuple[str, int]]:
    """(level, deaths) of the real (not exercise) accidents at the enterprise's risk sources in
    the last `years` years. The level is the higher of the severity given and the one the toll
    says (条例 Art. 3: ten deaths make an accident 重大 whatever was typed)."""
    since = at - dt.timedelta(days=365 * years + (years + 3) // 4)
    rows = (Incident.objects.filter(risk_source__enterprise_id=enterprise_id, exercise=False, type__klass="accident",
                                    reported_at__gte=since, reported_at__lte=at)
            .values_list("severity", "deaths", "injuries", "direct_loss_cny"))
    order = grading.ORDER
    return [(order[min(order.index(severity), order.index(grading.suggested_severity(deaths, injuries, loss)))], deaths)
            for severity, deaths, injuries, loss in rows]


def major_accidents_count(enterprise_id: int, at: dt.datetime) -> int:
    """应急〔2018〕19号, outright red: a 重大 or worse accident in the last three years."""
    return sum(1 for level, _deaths in _accidents(enterprise_id, at, MAJOR_ACCIDENT_YEARS) if level in ("I", "II"))


def larger_accidents_count(enterprise_id: int, at: dt.datetime) -> int:
    """Outright red: two 较大 accidents in three years (the count when there are two or more)."""
    n = sum(1 for level, _deaths in _accidents(enterprise_id, at, MAJOR_ACCIDENT_YEARS) if level == "III")
    return n if n >= 2 else 0


def fatal_general_accidents_count(enterprise_id: int, at: dt.datetime) -> int:
    """Outright red: two or more 一般 accidents with deaths (亡人) in the last year."""
    n = sum(1 for level, deaths in _accidents(enterprise_id, at, FATAL_GENERAL_YEARS) if level == "IV" and deaths > 0)
    return n if n >= 2 else 0


# --- 包保 duty checks ------------------------------------------------------------------------

def duty_status(queryset_sources: QuerySet, at: dt.datetime | None = None) -> list[dict]:
    """For each major hazard source and each of its three 包保 roles that someone holds: the
    last check, when the next is due and whether it is overdue. Three queries whatever the
    number of sources. A role's duty starts when its person was first named (the ledger keeps
    that in the responsible person's history), so a newly named person is not overdue on day one."""
    at = at or timezone.now()
    sources = list(queryset_sources.filter(is_major=True).select_related("enterprise")
                   .prefetch_related("responsible_persons").order_by("enterprise__code", "code"))
    ids = [s.pk for s in sources]
    last = {(row["risk_source_id"], row["role"]): row["last"] for row in
            DutyCheck.objects.filter(risk_source__in=ids).values("risk_source_id", "role").annotate(last=Max("at"))}
    named = {(row["risk_source_id"], row["role"]): row["first"] for row in
             ResponsiblePerson.history.model.objects.filter(risk_source_id__in=ids)
             .values("risk_source_id", "role").annotate(first=Min("history_date"))}
    rows = []
    for source in sources:
        persons = {p.role: p.name for p in source.responsible_persons.all()}
        for role in rules.DUTY_INTERVAL_DAYS:
            ledger_role = LEDGER_ROLE[role]
            if ledger_role not in persons:
                continue
            last_at = last.get((source.pk, role))
            due = rules.duty_due(role, last_at, named.get((source.pk, ledger_role)))
            rows.append({
                "risk_source": source, "enterprise": source.enterprise, "role": role,
                "role_label": DutyCheck.Role(role).label, "person": persons[ledger_role],
                "last_at": last_at, "due_at": due, "overdue": due is not None and due < at,
                "interval_days": rules.DUTY_INTERVAL_DAYS[role], "article": rules.DUTY_ARTICLE[role],
            })
    return rows


def duty_overdue_count(enterprise_id: int, at: dt.datetime) -> int:
    return sum(1 for row in duty_status(RiskSource.objects.filter(enterprise_id=enterprise_id), at) if row["overdue"])


def duty_overdue_sources(user, at: dt.datetime | None = None) -> dict[int, int]:
    """risk source id -> number of its 包保 roles overdue (the contract's `duty_checks_overdue`)."""
    counts: dict[int, int] = {}
    for row in duty_status(risk_sources_visible_to(user), at):
        counts[row["risk_source"].pk] = counts.get(row["risk_source"].pk, 0) + int(row["overdue"])
    return counts


# --- safety assessments of major hazard sources ---------------------------------------------------

def evaluation_status(queryset_sources: QuerySet, at: dt.datetime | None = None) -> list[dict]:
    today = timezone.localdate(at or timezone.now())
    newest = Evaluation.objects.filter(risk_source=OuterRef("pk"), kind=Evaluation.Kind.ASSESSMENT).order_by(
        "-completed_on")
    sources = (queryset_sources.filter(is_major=True).select_related("enterprise")
               .annotate(last_on=Subquery(newest.values("completed_on")[:1]),
                         last_agency=Subquery(newest.values("agency")[:1]))
               .order_by("enterprise__code", "code"))
    rows = []
    for source in sources:
        due = rules.evaluation_due(source.last_on)
        # No report on record yet is listed (the park enters its reports first) but does not
        # colour the enterprise; a report older than three years does.
        status = ("due" if due is None else "overdue" if due < today
                  else "due" if due <= today + dt.timedelta(days=rules.EVALUATION_DUE_SOON_DAYS) else "")
        rows.append({"risk_source": source, "enterprise": source.enterprise, "last_on": source.last_on,
                     "agency": source.last_agency or "", "due_on": due, "status": status})
    return rows


def evaluation_overdue_count(enterprise_id: int, at: dt.datetime) -> int:
    rows = evaluation_status(RiskSource.objects.filter(enterprise_id=enterprise_id), at)
    return sum(1 for row in rows if row["status"] == "overdue")


# --- the supervisor's overview -------------------------------------------------------------------

CATEGORIES = ("licence", "duty_check", "evaluation", "inspection", "hidden_danger", "certificate", "red_finding",
              "turnaround")
# A reported start-up, shutdown or turnaround is listed from a week before it starts until it ends:
# the riskiest days of a plant's year are the supervisor's to watch (建设指南 四(一)).
TURNAROUND_AHEAD_DAYS = 7


def categories() -> tuple[str, ...]:
    """Oversight's own categories and those registered by other apps (oversight.overview_sources)."""
    return CATEGORIES + tuple(source.category for source in overview_sources.registered())


# An order to rectify is followed up (复查) when its deadline comes; a week ahead it is due.
FOLLOW_UP_DUE_DAYS = 7
STATUSES = ("overdue", "expired", "expiring", "due")


def overview(user, *, at: dt.datetime | None = None, enterprise_id: int | None = None,
             category: str | None = None, status: str | None = None) -> list[dict]:
    """Everything due, overdue or expiring that this user may see, one row each: category,
    enterprise, subject, status ('overdue', 'expired', 'expiring', 'due'), the date it turns
    and a link. Sorted with what is already late first."""
    at = at or timezone.now()
    today = timezone.localdate(at)
    enterprises = ledger.enterprises_visible_to(user)
    if enterprise_id is not None:
        enterprises = enterprises.filter(pk=enterprise_id)
    enterprise_ids = list(enterprises.values_list("pk", flat=True))
    sources = RiskSource.objects.filter(enterprise_id__in=enterprise_ids)
    rows: list[dict] = []

    def want(kind: str) -> bool:
        return category in (None, kind)

    if want("licence"):
        horizon = today + dt.timedelta(days=rules.LICENCE_REMINDER_DAYS[0])
        for licence in (Licence.objects.filter(enterprise_id__in=enterprise_ids, valid_to__lte=horizon)
                        .select_related("enterprise")):
            rows.append(_row("licence", licence.enterprise, f"{licence.get_kind_display()} {licence.number}",
                             rules.licence_status(licence.valid_to, today), licence.valid_to))
    if want("duty_check"):
        for row in duty_status(sources, at):
            if row["overdue"]:
                subject = f"{row['risk_source'].code} {row['risk_source'].name} · {row['role_label']}"
                if row["person"]:
                    subject += f" ({row['person']})"
                due = timezone.localdate(row["due_at"]) if row["due_at"] else None
                rows.append(_row("duty_check", row["enterprise"], subject, "overdue", due))
    if want("evaluation"):
        for row in evaluation_status(sources, at):
            if row["status"]:
                subject = f"{row['risk_source'].code} {row['risk_source'].name}"
                if row["last_on"] is None:
                    subject += " · " + str(_("no safety assessment on record"))
                rows.append(_row("evaluation", row["enterprise"], subject, row["status"], row["due_on"]))
    if want("inspection"):
        for inspection in Inspection.objects.filter(enterprise_id__in=enterprise_ids, followed_up_at__isnull=True,
                                                    order_deadline__lte=at + dt.timedelta(days=FOLLOW_UP_DUE_DAYS)
                                                    ).select_related("enterprise"):
            rows.append(_row("inspection", inspection.enterprise, f"{inspection.order_number} · {_('follow-up')}",
                             "overdue" if inspection.order_deadline < at else "due",
                             timezone.localdate(inspection.order_deadline)))
    if want("hidden_danger"):
        for hidden in ledger.overdue_hidden_dangers(at).filter(enterprise_id__in=enterprise_ids).select_related(
                "enterprise"):
            rows.append(_row("hidden_danger", hidden.enterprise, hidden.title, "overdue",
                             timezone.localdate(hidden.deadline)))
    if want("certificate"):
        horizon = today + dt.timedelta(days=rules.LICENCE_REMINDER_DAYS[0])
        for certificate in (Certificate.objects.filter(manager__enterprise_id__in=enterprise_ids,
                                                       expires_on__lte=horizon)
                            .select_related("manager__enterprise")):
            rows.append(_row("certificate", certificate.manager.enterprise,
                             f"{certificate.manager.name} · {certificate.kind} {certificate.number}",
                             "expired" if certificate.expires_on < today else "expiring", certificate.expires_on))
    if want("red_finding"):
        for finding in RedFinding.objects.filter(enterprise_id__in=enterprise_ids, resolved_on__isnull=True
                                                 ).select_related("enterprise"):
            rows.append(_row("red_finding", finding.enterprise, f"{finding.get_condition_display()} · {finding.note}",
                             "overdue", finding.found_on))
    if want("turnaround"):
        for turnaround in (Turnaround.objects.filter(enterprise_id__in=enterprise_ids, state=Turnaround.State.REPORTED,
                                                     planned_to__gte=at,
                                                     planned_from__lte=at + dt.timedelta(days=TURNAROUND_AHEAD_DAYS))
                           .select_related("enterprise")):
            rows.append(_row("turnaround", turnaround.enterprise,
                             f"{turnaround.get_kind_display()} · {', '.join(turnaround.units)}", "due",
                             timezone.localdate(turnaround.planned_from)))
    for source in overview_sources.registered():
        if want(source.category):
            link = source.link() if source.link else ""
            for enterprise, subject, row_status, date in source.rows(user, at, enterprise_ids):
                rows.append({**_row(source.category, enterprise, subject, row_status, date), "link": link})
    if status:
        rows = [r for r in rows if r["status"] == status]
    late = {"overdue": 0, "expired": 0, "expiring": 1, "due": 1}
    rows.sort(key=lambda r: (late.get(r["status"], 2), r["date"] or dt.date.min, r["enterprise"].code))
    return rows


def _row(category, enterprise: Enterprise, subject: str, status: str, date) -> dict:
    return {"category": category, "enterprise": enterprise, "subject": subject, "status": status, "date": date,
            "status_label": rules.STATUS_LABELS.get(status, status), "link": ""}
