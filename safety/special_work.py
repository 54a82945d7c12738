"""All eight kinds of special work (GB 30871-2022) as data and plain functions: no database, so
tests drive them directly; safety.services.permits adds locking, storage and events around them.
Every refusal is a safety.rules.Breach naming its clause.

Clause numbers and values were read from GB 30871-2022 as the project's domain notes quote it, and
checked against the public copies of the standard's text that could be found (Table B.1 from a
transcription of it); where a comment says "check", the value or its clause number could not be
confirmed that way and should be confirmed against the edition the park follows (they are data here
for that reason).
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safety.rules import HOT_WORK_GRADE_LABELS, Breach

GRADES = ("second", "first", "special")  # lowest to highest

# --- validity: the longest a permit of each kind (and hot-work grade) may run -------------------
# (hours, clause). Hot work (8 h / 72 h by grade, 5.1) and confined space (24 h, 6) are checked by
# safety.rules.permit_window_breaches. Lifting, blind plates, excavation and road closure: no fixed
# maximum was found for them in the public copies of GB 30871-2022 searched (chapters 7, 9, 11 and
# 12; a maximum some systems apply to them, 24 h, is their own rule, not the standard's): check them
# against the edition the park follows before adding one here. Their permits still need a window.
# Work at height: 7 days agrees with public secondary sources; its clause number could not be checked.
VALIDITY_HOURS = {
    ("height", ""): (7 * 24, "GB 30871-2022 8.2.11"),
    # Temporary power: 15 days as a rule, 30 at the very most, and beyond 15 only with a reason.
    ("temporary_power", ""): (15 * 24, "GB 30871-2022 10.8"),
}
TEMPORARY_POWER_ABSOLUTE_MAX_H = 30 * 24

# --- who approves (Appendix B, Table B.1 安全作业票的办理、审批内容) ------------------------------
# Table B.1 names who approves (审批) each kind and grade: 所在基层单位 (the operating unit),
# 所在单位专业部门 (the enterprise's specialist department), 安全管理部门 (safety management),
# 配送电单位 (the unit distributing the power) and 主管领导 / 主管厂长或总工程师 (the leader in
# charge). Its countersignatures (会签: excavation by the water, power, steam, process, equipment,
# fire and safety units, road closure by the fire and safety departments) are the enterprise's
# own (the table's note: by its organisation) and are not checked here.
# An approval counts at the level the table names or at a higher rank; departments share a rank
# and do not stand in for one another (the safety department does not approve for the power unit).
APPROVER_LEVELS = ("unit_head", "department_head", "safety_head", "power_supply", "principal")
APPROVER_RANK = {"unit_head": 0, "department_head": 1, "safety_head": 1, "power_supply": 1, "principal": 2}
APPROVER_LABELS = {
    "unit_head": _("Head of the operating unit (所在基层单位负责人)"),
    "department_head": _("Head of the enterprise's specialist department (所在单位专业部门负责人)"),
    "safety_head": _("Head of safety management (安全管理部门负责人)"),
    "power_supply": _("Head of the power distribution unit (配送电单位负责人)"),
    "principal": _("Leader in charge: deputy director or chief engineer (主管领导/主管厂长或总工程师)"),
}
APPROVAL_CLAUSE = "GB 30871-2022 Table B.1"
ON_SITE_CLAUSE = "GB 30871-2022 4.11"  # check: the clause number was not found in a public copy
# (kind, grade) -> (level, the row of Table B.1). Read from a public transcription of Table B.1.
# Work at height and lifting have grades of their own, read from what the permit records (see
# work_grade below): height Ⅰ by the operating unit, Ⅱ/Ⅲ by the specialist department, Ⅳ by the
# leader in charge; lifting 一级 by the leader in charge, 二级/三级 by the specialist department.
# The kind's row without a grade is for permits recorded before the height and load were asked.
REQUIRED_APPROVER = {
    ("hot_work", "special"): ("principal", "Table B.1: 特级动火 — 主管领导"),
    ("hot_work", "first"): ("safety_head", "Table B.1: 一级动火 — 安全管理部门"),
    ("hot_work", "second"): ("unit_head", "Table B.1: 二级动火 — 所在基层单位"),
    ("confined_space", ""): ("unit_head", "Table B.1: 受限空间 — 所在基层单位"),
    ("blind_plate", ""): ("unit_head", "Table B.1: 盲板抽堵 — 所在基层单位"),
    ("height", "I"): ("unit_head", "Table B.1: Ⅰ级高处 — 所在基层单位"),
    ("height", "II"): ("department_head", "Table B.1: Ⅱ级、Ⅲ级高处 — 所在单位专业部门"),
    ("height", "III"): ("department_head", "Table B.1: Ⅱ级、Ⅲ级高处 — 所在单位专业部门"),
    ("height", "IV"): ("principal", "Table B.1: Ⅳ级高处 — 主管领导"),
    ("height", ""): ("unit_head", "Table B.1: Ⅰ级高处 — 所在基层单位 (no height recorded)"),
    ("lifting", "1"): ("principal", "Table B.1: 一级吊装 — 主管领导"),
    ("lifting", "2"): ("department_head", "Table B.1: 二级、三级吊装 — 所在单位专业部门"),
    ("lifting", "3"): ("department_head", "Table B.1: 二级、三级吊装 — 所在单位专业部门"),
    ("lifting", ""): ("department_head", "Table B.1: 二级、三级吊装 — 所在单位专业部门 (no load recorded)"),
    ("temporary_power", ""): ("power_supply", "Table B.1: 临时用电 — 配送电单位"),
    ("excavation", ""): ("department_head", "Table B.1: 动土 — 所在单位专业部门 (after the 会签)"),
    ("road_closure", ""): ("department_head", "Table B.1: 断路 — 所在单位专业部门 (after the 会签)"),
}
DEFAULT_APPROVER = "unit_head"  # a kind Table B.1 does not list (none of the eight)

# --- the grades of work at height and of lifting: who approves follows them -----------------------
# Work at height is work 2 m or more above a level where one could fall (GB/T 3608-2008, which
# GB 30871-2022 refers to), graded by the height: Ⅰ 2–5 m, Ⅱ over 5–15 m, Ⅲ over 15–30 m, Ⅳ over 30 m.
# Lifting is graded by the load's mass (GB 30871-2022, lifting chapter): 一级 over 100 t,
# 二级 40–100 t, 三级 under 40 t.
HEIGHT_GRADE_CLAUSE = "GB/T 3608-2008"
LIFTING_GRADE_CLAUSE = "GB 30871-2022 Table B.1"
HEIGHT_MIN_M = 2
HEIGHT_GRADES = ((30, "IV"), (15, "III"), (5, "II"), (0, "I"))  # above the height -> the grade
LIFTING_GRADES = ((100, "1"), (40, "2"))  # above (一级) / from (二级) the mass in t; below: 三级
WORK_GRADE_LABELS = {
    ("height", "I"): "Ⅰ级", ("height", "II"): "Ⅱ级", ("height", "III"): "Ⅲ级", ("height", "IV"): "Ⅳ级",
    ("lifting", "1"): "一级", ("lifting", "2"): "二级", ("lifting", "3"): "三级",
}


def work_grade(kind: str, grade: str, height_m=None, load_t=None) -> str:
    """The grade Table B.1's row is chosen by: hot work's own grade, work at height's by its
    height, lifting's by its load; "" when the permit does not record it."""
    if kind == "height":
        if height_m is None:
            return ""
        return next(g for above, g in HEIGHT_GRADES if float(height_m) > above)
    if kind == "lifting":
        if load_t is None:
            return ""
        mass = float(load_t)
        return "1" if mass > LIFTING_GRADES[0][0] else "2" if mass >= LIFTING_GRADES[1][0] else "3"
    return grade or ""


def permit_work_grade(permit) -> str:
    return work_grade(permit.kind, permit.grade, permit.height_m, permit.load_t)


def work_size_breaches(kind: str, height_m, load_t) -> list[Breach]:
    """Work at height records its height and lifting its load: they decide who approves."""
    breaches = []
    if kind == "height":
        if height_m is None:
            breaches.append(Breach(HEIGHT_GRADE_CLAUSE, str(_(
                "A work-at-height permit needs the working height in metres: its grade (Ⅰ–Ⅳ) decides who "
                "approves it (GB 30871-2022 Table B.1)."))))
        elif float(height_m) < HEIGHT_MIN_M:
            breaches.append(Breach(HEIGHT_GRADE_CLAUSE, str(_(
                "Work below %(m)s m is not work at height: check the height or use another kind of permit.")
                % {"m": HEIGHT_MIN_M})))
    elif height_m is not None:
        breaches.append(Breach(HEIGHT_GRADE_CLAUSE, str(_("Only work at height records a working height."))))
    if kind == "lifting":
        if load_t is None:
            breaches.append(Breach(LIFTING_GRADE_CLAUSE, str(_(
                "A lifting permit needs the load's mass in tonnes: its grade (一级/二级/三级) decides who "
                "approves it."))))
    elif load_t is not None:
        breaches.append(Breach(LIFTING_GRADE_CLAUSE, str(_("Only lifting records a load."))))
    return breaches

# --- breaks and gas analysis --------------------------------------------------------------------
# A break longer than this needs a new gas analysis before work resumes (5.3.1 hot work, 6.3
# confined space); hot work also needs an analysis every day before it starts, and 特级 hot work
# continuous monitoring throughout (5.3.1).
BREAK_LIMIT_MIN = {("hot_work", "special"): 30, ("hot_work", "first"): 30, ("hot_work", "second"): 60,
                   ("confined_space", ""): 60}
BREAK_CLAUSE = {"hot_work": "GB 30871-2022 5.3.1", "confined_space": "GB 30871-2022 6.3"}
DAILY_ANALYSIS_CLAUSE = "GB 30871-2022 5.3.1"
CONTINUOUS_CLAUSE = "GB 30871-2022 5.3.1"
O2_MAX_OXYGEN_EQUIPMENT = 23.5  # % vol on equipment producing, using or storing oxygen
O2_CLAUSE = "GB 30871-2022 5.2.7"
TOXIC_CLAUSE = "GB 30871-2022 6.4 b)"

# --- upgrade of hot work (5.1.1, its text confirmed in a public copy: 遇节假日、公休日、夜间或其他特殊
# 情况，动火作业应升级管理): rest days, night, wind. The wind rule's text (五级风以上（含五级）天气 …
# 动火作业应升级管理) was found, its clause number 5.2.15 not (check) ---------------------------------
UPGRADE_CLAUSE = "GB 30871-2022 5.1.1"
WIND_CLAUSE = "GB 30871-2022 5.2.15"
WIND_UPGRADE_FORCE = 5  # Beaufort force 5 and above
# 夜间: 22:00–06:00, as the 噪声污染防治法 defines night (the standard does not: the park's data).
NIGHT_FROM, NIGHT_TO = dt.time(22, 0), dt.time(6, 0)

# --- simultaneous work: one pipeline (7.10) -----------------------------------------------------
SIMULTANEOUS_CLAUSE = "GB 30871-2022 7.10"
EXCLUSIVE_ON_EQUIPMENT = ("blind_plate",)  # two blind-plate jobs on one pipeline at once are refused
# (public secondary sources give the rule, 同一管道上不应同时进行两处及以上盲板抽堵作业; its clause
# number 7.10 could not be confirmed: check)

# --- contractors (issue 25, point 3) ------------------------------------------------------------
CONTRACTOR_CLAUSE = "GB 30871-2022 4.3"  # the contractor's qualification (check the clause)
QUALIFICATION_EXPIRING_DAYS = 30


def grade_label(grade: str) -> str:
    return str(HOT_WORK_GRADE_LABELS.get(grade, grade))


def upgraded_grade(grade: str, valid_from: dt.datetime, valid_to: dt.datetime, *, rest_day: bool = False,
                   wind_force: int | None = None) -> tuple[str, list[str]]:
    """The grade a hot-work job is managed at, and why it went up: one step for a rest day or
    the night (5.1.1), one step for wind of force 5 and above (the wind clause); 特级 is the top."""
    reasons = []
    if rest_day or _touches_weekend(valid_from, valid_to):
        reasons.append(str(_("on a rest day or public holiday (%(clause)s)") % {"clause": UPGRADE_CLAUSE}))
    elif _touches_night(valid_from, valid_to):
        reasons.append(str(_("at night, 22:00–06:00 (%(clause)s)") % {"clause": UPGRADE_CLAUSE}))
    if wind_force is not None and wind_force >= WIND_UPGRADE_FORCE:
        reasons.append(str(_("in wind of force %(force)d (%(clause)s)") % {"force": wind_force, "clause": WIND_CLAUSE}))
    if grade not in GRADES or not reasons:
        return grade, reasons
    steps = 1  # 升级管理 is one step, whatever the number of reasons
    return GRADES[min(GRADES.index(grade) + steps, len(GRADES) - 1)], reasons


def validity_breaches(kind: str, valid_from: dt.datetime, valid_to: dt.datetime, *,
                      extension_reason: str = "") -> list[Breach]:
    """Work at height and temporary power (the other kinds' maxima: safety.rules)."""
    hours = (valid_to - valid_from).total_seconds() / 3600
    limit = VALIDITY_HOURS.get((kind, ""))
    if limit is None:
        return []
    max_h, clause = limit
    if kind == "temporary_power":
        if hours > TEMPORARY_POWER_ABSOLUTE_MAX_H:
            return [Breach(clause, str(_("A temporary-power permit runs at most 30 days; this one runs %(days).1f days.")
                                       % {"days": hours / 24}))]
        if hours > max_h and not extension_reason.strip():
            return [Breach(clause, str(_(
                "A temporary-power permit runs at most 15 days unless there is a special reason (then at most 30): "
                "this one runs %(days).1f days. Say why in “extension_reason”, or shorten it.") % {"days": hours / 24}))]
        return []
    if hours <= max_h:
        return []
    return [Breach(clause, str(_("A work-at-height permit is valid for at most %(days)d days; this one runs "
                                 "%(hours).1f h.") % {"days": max_h // 24, "hours": hours}))]


def required_approver(kind: str, grade: str) -> str:
    return approver_row(kind, grade)[0]


def approver_row(kind: str, grade: str) -> tuple[str, str]:
    """(level, the row of Table B.1 it comes from) for a kind and grade."""
    return REQUIRED_APPROVER.get((kind, grade)) or REQUIRED_APPROVER.get((kind, "")) or (DEFAULT_APPROVER, "")


def approves(level: str, needed: str) -> bool:
    """An approval at `level` counts for `needed`: the same level, or a higher rank."""
    if level not in APPROVER_RANK:
        return False
    return level == needed or APPROVER_RANK[level] > APPROVER_RANK[needed]


def approval_breaches(kind: str, grade: str, level: str, *, on_site: bool) -> list[Breach]:
    """Whether an approval at `level` may authorise this permit: the level the table names or a
    higher rank, and given on site."""
    breaches = []
    if level not in APPROVER_LEVELS:
        breaches.append(Breach(APPROVAL_CLAUSE, str(_("Unknown approver level “%(level)s”: one of %(levels)s.") % {
            "level": level, "levels": ", ".join(APPROVER_LEVELS)})))
        return breaches
    needed, row = approver_row(kind, grade)
    if not approves(level, needed):
        breaches.append(Breach(APPROVAL_CLAUSE, str(_(
            "This permit must be approved by the %(needed)s (%(row)s); %(level)s may not approve it.") % {
            "needed": APPROVER_LABELS[needed], "row": row, "level": APPROVER_LABELS[level]})))
    if not on_site:
        breaches.append(Breach(ON_SITE_CLAUSE, str(_(
            "The approver checks the place of work on site before approving: an approval not given on site "
            "does not count."))))
    return breaches


def approved(kind: str, grade: str, approvals: list[dict]) -> bool:
    """An on-site approval at the required level (or a higher rank) is recorded."""
    needed = required_approver(kind, grade)
    return any(a["on_site"] and approves(a["level"], needed) for a in approvals)


def break_limit(kind: str, grade: str) -> dt.timedelta | None:
    minutes = BREAK_LIMIT_MIN.get((kind, grade if kind == "hot_work" else ""))
    return dt.timedelta(minutes=minutes) if minutes else None


def resume_breaches(kind: str, grade: str, *, paused_at: dt.datetime | None, at: dt.datetime,
                    latest_test_at: dt.datetime | None) -> tuple[list[Breach], bool]:
    """After a break: (breaches, whether a fresh analysis is required at all). A break no longer
    than the limit resumes without a new analysis, unless the day changed for hot work."""
    limit = break_limit(kind, grade)
    if limit is None:
        return [], False
    if paused_at is None:  # stopped by a failed test or an alarm: always a fresh analysis
        return [], True
    if at - paused_at > limit:
        if latest_test_at is None or latest_test_at < paused_at:
            return [Breach(BREAK_CLAUSE[kind], str(_(
                "Work stopped %(minutes)d min ago, longer than the %(limit)d min after which the gas must be analysed "
                "again: record a new analysis, then resume.") % {
                "minutes": (at - paused_at).total_seconds() // 60, "limit": limit.total_seconds() // 60}))], True
        return [], True
    return [], False


def daily_analysis_breach(kind: str, latest_test_at: dt.datetime | None, at: dt.datetime) -> Breach | None:
    """Hot work is analysed every day before it starts (5.3.1)."""
    if kind != "hot_work":
        return None
    if latest_test_at is None or timezone.localdate(latest_test_at) != timezone.localdate(at):
        return Breach(DAILY_ANALYSIS_CLAUSE, str(_(
            "Hot work needs a gas analysis every day before it starts: none is recorded today.")))
    return None


def continuous_breach(kind: str, grade: str, monitor: str) -> Breach | None:
    if kind == "hot_work" and grade == "special" and not (monitor or "").strip():
        return Breach(CONTINUOUS_CLAUSE, str(_(
            "Special-grade (特级) hot work is monitored continuously: name the gas detector that watches it "
            "(“continuous_monitor”).")))
    return None


def oxygen_breach(kind: str, oxygen_equipment: bool, o2_percent: float | None) -> Breach | None:
    if kind != "hot_work" or not oxygen_equipment:
        return None
    if o2_percent is None or o2_percent > O2_MAX_OXYGEN_EQUIPMENT:
        return Breach(O2_CLAUSE, str(_(
            "Hot work on oxygen equipment: oxygen inside must be at most 23.5 %% (vol); measured %(value)s.") % {
            "value": "—" if o2_percent is None else f"{o2_percent} %"}))
    return None


@cache
def toxic_limits() -> dict:
    path = Path(__file__).resolve().parent / "data" / "gbz2_1_limits.json"
    return {row["cas"]: row for row in json.loads(path.read_text(encoding="utf-8"))["limits"]}


def medium_limit_ppm(cas: str) -> float | None:
    """The GBZ 2.1-2019 limit of a medium in ppm at 25 °C: its MAC, else its PC-TWA."""
    row = toxic_limits().get((cas or "").strip())
    if row is None:
        return None
    mg = row.get("mac") if row.get("mac") is not None else row.get("pc_twa")
    return round(mg * 24.45 / row["mw"], 3)


def toxic_limit_breaches(medium: str, typed_limit: float | None) -> tuple[float | None, list[Breach]]:
    """The limit a permit's toxic readings are held to: the medium's GBZ 2.1 limit, or a stricter
    one the applicant types; a looser typed limit is refused."""
    if not medium:
        return typed_limit, []
    limit = medium_limit_ppm(medium)
    if limit is None:
        if typed_limit is None:
            return None, [Breach(TOXIC_CLAUSE, str(_(
                "No GBZ 2.1 limit is on file for the medium %(cas)s: give the toxic gas limit (“toxic_limit_ppm”).")
                % {"cas": medium}))]
        return typed_limit, []
    if typed_limit is not None and typed_limit > limit:
        return None, [Breach(TOXIC_CLAUSE, str(_(
            "The toxic gas limit %(typed)s ppm is above the GBZ 2.1 limit of %(name)s, %(limit)s ppm.") % {
            "typed": typed_limit, "name": toxic_limits()[medium]["name"], "limit": limit}))]
    return (typed_limit if typed_limit is not None else limit), []


def simultaneous_breach(kind: str, equipment: str, others: list[dict]) -> Breach | None:
    """`others`: open permits on the same equipment whose windows overlap ({id, kind, place})."""
    if kind not in EXCLUSIVE_ON_EQUIPMENT or not equipment:
        return None
    clash = [o for o in others if o["kind"] == kind]
    if not clash:
        return None
    return Breach(SIMULTANEOUS_CLAUSE, str(_(
        "Permit %(id)s already covers blind-plate work on %(equipment)s in this time: two blind-plate jobs on one "
        "pipeline at once are not allowed.") % {"id": clash[0]["id"], "equipment": equipment}))


def qualification_breaches(contractor_name: str, qualifications: list[dict], valid_to: dt.datetime) -> list[Breach]:
    """A contractor needs at least one qualification, and none expiring before the work ends."""
    if not qualifications:
        return [Breach(CONTRACTOR_CLAUSE, str(_(
            "The contractor %(name)s has no qualification on record: record its qualifications first.") % {
            "name": contractor_name}))]
    end = timezone.localdate(valid_to)
    return [Breach(CONTRACTOR_CLAUSE, str(_(
        "The contractor %(name)s's qualification %(kind)s %(number)s expires on %(expiry)s, before the permit ends "
        "on %(end)s.") % {"name": contractor_name, "kind": q["kind"], "number": q["number"],
                          "expiry": q["valid_to"].isoformat(), "end": end.isoformat()}))
        for q in qualifications if q["valid_to"] < end]


def _touches_night(start: dt.datetime, end: dt.datetime) -> bool:
    """Any part of [start, end) falls between 22:00 and 06:00 local."""
    local, stop = timezone.localtime(start), timezone.localtime(end)
    if local.time() >= NIGHT_FROM or local.time() < NIGHT_TO:
        return True
    day = local.date()
    while True:
        night = timezone.make_aware(dt.datetime.combine(day, NIGHT_FROM), local.tzinfo)
        if night >= stop:
            return False
        if night >= local:
            return True
        day += dt.timedelta(days=1)


def _touches_weekend(start: dt.datetime, end: dt.datetime) -> bool:
    day, last = timezone.localtime(start).date(), timezone.localtime(end - dt.timedelta(microseconds=1)).date()
    while day <= last:
        if day.weekday() >= 5:
            return True
        day += dt.timedelta(days=1)
    return False
