"""The ledger's rules as plain functions and tables: no database, so property tests can drive
them directly, and services only add locking, storage and events around them.

- Risk points: LEC (D = L·E·C, Graham–Kinney) and LS (R = L·S on a 5 × 5 matrix), with colour
  bands as data (`SAFETY_RISK_BANDS` in settings overrides them: provinces publish their own).
- Hidden dangers (安全生产事故隐患排查治理暂行规定, 原安监总局令第16号) and special-work permits
  (GB 30871-2022) as state machines: a table of (state, step) → next state.
- Gas tests and permit windows against GB 30871-2022, each refusal naming its rule.
- The enterprise's colour as a transparent function of its inputs, with readable factors.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

COLOURS = ("blue", "yellow", "orange", "red")  # lowest to highest
COLOUR_LABELS = {"red": _("Red"), "orange": _("Orange"), "yellow": _("Yellow"), "blue": _("Blue")}

# What a person reads for a hidden danger's step and for why a colour was recomputed: the
# stored codes stay codes (the API, the tests), the pages say them in words (issue 22.10).
STEP_LABELS = {
    "reported": pgettext_lazy("hidden danger step", "Reported"), "photo": _("Photo added"), "plan": _("Rectification planned"),
    "rectified": _("Rectified"), "verified": _("Accepted and closed"), "rejected": _("Sent back to rectification"),
    "overdue": _("Overdue"), "imported": _("Imported"), "photo_refused": _("Photo refused"),
    "deadline": _("Deadline set by the park"),
}
REASON_LABELS = {
    "hidden_danger": _("Hidden danger"), "risk_point": _("Risk point assessed"), "work_permit": _("Work permit"),
    "commitment": _("Daily safety commitment"), "risk_source": _("Risk source changed"),
    "certificate": _("Certificate"), "alarm": _("Monitoring alarm"), "periodic": _("Periodic recomputation"),
    "riskpoint": _("Risk point removed"), "licence": _("Licence"), "duty_check": _("包保 duty check"),
    "evaluation": _("Safety assessment"), "demo": _("Demo data"), "device": _("IoT device"),
}


def step_label(action: str) -> str:
    return str(STEP_LABELS.get(action, _("Other step")))


def reason_label(reason: str) -> str:
    """`hidden_danger.reported`, `alarm.raised:raised`, `work_permit.start` → words by their subject."""
    subject = (reason or "").split(":", 1)[0].split(".", 1)[0]
    if not subject:
        return ""
    return str(REASON_LABELS.get(subject, _("Other change")))

# --- risk points ---------------------------------------------------------------------

# Graham–Kinney LEC factor values (the tables every provincial guide reproduces).
LEC_L = (0.1, 0.2, 0.5, 1, 3, 6, 10)  # likelihood
LEC_E = (0.5, 1, 2, 3, 6, 10)  # exposure frequency
LEC_C = (1, 3, 7, 15, 40, 100)  # consequence
LS_RANGE = (1, 2, 3, 4, 5)


def risk_bands() -> dict:
    """Lower bounds per method, highest colour first: settings.SAFETY_RISK_BANDS (its comment
    cites the tables)."""
    return settings.SAFETY_RISK_BANDS


def risk_score(method: str, *, likelihood: float, exposure: float | None = None,
               consequence: float | None = None, severity: float | None = None) -> float:
    """D = L·E·C or R = L·S. Raises ValueError naming the factor outside its table."""
    if method == "LEC":
        for name, value, allowed in (("L", likelihood, LEC_L), ("E", exposure, LEC_E), ("C", consequence, LEC_C)):
            if value not in allowed:
                raise ValueError(_("%(factor)s must be one of %(values)s.") % {
                    "factor": name, "values": ", ".join(f"{v:g}" for v in allowed)})
        return round(likelihood * exposure * consequence, 2)
    if method == "LS":
        for name, value in (("L", likelihood), ("S", severity)):
            if value not in LS_RANGE:
                raise ValueError(_("%(factor)s must be a whole number from 1 to 5.") % {"factor": name})
        return float(likelihood * severity)
    raise ValueError(_("The method must be LEC or LS."))


def risk_colour(method: str, score: float) -> str:
    for colour, lower in risk_bands()[method]:
        if score >= lower:
            return colour
    return "blue"


# --- 重大隐患判定标准 (安监总管三〔2017〕121号) ------------------------------------------------

@cache
def major_criteria() -> dict:
    path = Path(__file__).resolve().parent / "data" / "major_hidden_danger_criteria.json"
    return json.loads(path.read_text(encoding="utf-8"))


def criteria_codes() -> list[str]:
    return [item["code"] for item in major_criteria()["criteria"]]


def criterion_text(code: str) -> str:
    return next((c["text"] for c in major_criteria()["criteria"] if c["code"] == code), "")


# --- hidden dangers --------------------------------------------------------------------

class HD:
    REPORTED = "reported"
    RECTIFYING = "rectifying"
    AWAITING = "awaiting_verification"
    CLOSED = "closed"


# (state, step) → next state. `verify` has two outcomes; the accepted one is listed here and
# a rejection goes back to rectifying (hidden_danger_next).
HIDDEN_DANGER_STEPS = {
    (HD.REPORTED, "plan"): HD.RECTIFYING,
    (HD.RECTIFYING, "plan"): HD.RECTIFYING,  # a revised plan, e.g. after a rejected check
    (HD.RECTIFYING, "rectified"): HD.AWAITING,
    (HD.AWAITING, "verify"): HD.CLOSED,
}
HD_OPEN = (HD.REPORTED, HD.RECTIFYING, HD.AWAITING)
FIVE_IN_PLACE = ("measures", "responsible", "funds_cny", "deadline", "contingency")  # 五到位


def hidden_danger_next(state: str, step: str, *, accepted: bool = True) -> str | None:
    """The state after `step`, or None when the step does not apply to `state`."""
    target = HIDDEN_DANGER_STEPS.get((state, step))
    if target is None:
        return None
    if step == "verify" and not accepted:
        return HD.RECTIFYING
    return target


def hidden_danger_level(level: str, criteria: list[str]) -> str:
    """Any 121号 criterion makes a hidden danger major, whatever was chosen."""
    return "major" if criteria else level


def missing_five(level: str, plan: dict) -> list[str]:
    """The 五到位 items a plan lacks: all five for a major hidden danger, measures for any."""
    required = FIVE_IN_PLACE if level == "major" else ("measures",)
    return [name for name in required if plan.get(name) in (None, "", [])]


# --- special work (GB 30871-2022) -------------------------------------------------------

class WP:
    SUBMITTED = "submitted"
    IN_PROGRESS = "in_progress"
    SUSPENDED = "suspended"
    CLOSED = "closed"
    CANCELLED = "cancelled"


PERMIT_STEPS = {
    (WP.SUBMITTED, "start"): WP.IN_PROGRESS,
    (WP.SUBMITTED, "cancel"): WP.CANCELLED,
    (WP.IN_PROGRESS, "suspend"): WP.SUSPENDED,  # a failed gas test stops the work
    (WP.SUSPENDED, "resume"): WP.IN_PROGRESS,
    (WP.IN_PROGRESS, "close"): WP.CLOSED,
    (WP.SUSPENDED, "close"): WP.CLOSED,
}
PERMIT_OPEN = (WP.SUBMITTED, WP.IN_PROGRESS, WP.SUSPENDED)


def permit_next(state: str, step: str) -> str | None:
    return PERMIT_STEPS.get((state, step))


# Alarms and work under way (issue 22, point 7). GB 30871-2022's general requirements stop
# special work when the conditions it was permitted under no longer hold (an abnormal
# situation: a gas or process alarm at or near the place of work; check the clause numbers of
# the edition you follow): hot work and confined-space work in progress within this radius of
# an alarm's point or risk source are suspended (resumed only with a fresh gas analysis, as
# after any break); other permits in force there are warned. Data, not a constant in code.
ALARM_STOP_RADIUS_M = 200
ALARM_STOP_KINDS = ("hot_work", "confined_space")
ALARM_STOP_RULE = "GB 30871-2022 (abnormal situation: stop work)"

KINDS_WITH_GAS_TESTS = ("hot_work", "confined_space")
# GB 30871-2022 5.1: hot work outside a fixed hot-work area is 特级, 一级 or 二级; the permit of a
# 特级 or 一级 job is valid at most 8 h, of a 二级 job at most 72 h. Confined space: 24 h.
HOT_WORK_MAX_HOURS = {"special": 8, "first": 8, "second": 72}
# The same labels as safety.models.WorkPermit.Grade: refusals name the grade as the pages do.
HOT_WORK_GRADE_LABELS = {"special": _("Special (特级)"), "first": _("First (一级)"), "second": _("Second (二级)")}
CONFINED_SPACE_MAX_HOURS = 24
GAS_TEST_MAX_AGE = dt.timedelta(minutes=30)  # analysis no earlier than 30 min before work starts
CONFINED_RETEST_EVERY = dt.timedelta(hours=2)  # re-tested at least every 2 h while people are inside
O2_RANGE = (19.5, 21.0)  # % vol, GB 30871-2022 6.4 a)


@dataclass(frozen=True)
class Breach:
    """One rule a permit or gas test breaks: `rule` names the clause, `message` what to fix."""

    rule: str
    message: str


def permit_window_breaches(kind: str, grade: str | None, valid_from: dt.datetime, valid_to: dt.datetime) -> list[Breach]:
    breaches = []
    if valid_to <= valid_from:
        breaches.append(Breach("valid_to > valid_from", str(_("The permit must end after it starts."))))
        return breaches
    hours = (valid_to - valid_from).total_seconds() / 3600
    if kind == "hot_work":
        if grade not in HOT_WORK_MAX_HOURS:
            breaches.append(Breach("GB 30871-2022 5.1.1", str(_(
                "Hot work needs its grade: special (特级), first (一级) or second (二级)."))))
        elif hours > HOT_WORK_MAX_HOURS[grade]:
            breaches.append(Breach("GB 30871-2022 5.1", str(_(
                "A hot-work permit of grade %(grade)s is valid for at most %(max)s h; this one runs %(hours).1f h.")
                % {"grade": HOT_WORK_GRADE_LABELS[grade], "max": HOT_WORK_MAX_HOURS[grade], "hours": hours})))
    elif grade:
        breaches.append(Breach("GB 30871-2022 5.1.1", str(_("Only hot work has a grade."))))
    if kind == "confined_space" and hours > CONFINED_SPACE_MAX_HOURS:
        breaches.append(Breach("GB 30871-2022 6", str(_(
            "A confined-space permit is valid for at most %(max)s h; this one runs %(hours).1f h.")
            % {"max": CONFINED_SPACE_MAX_HOURS, "hours": hours})))
    return breaches


def gas_test_breaches(kind: str, test: dict, *, now: dt.datetime, toxic_limit_ppm: float | None = None) -> list[Breach]:
    """The limits one gas analysis breaks. `test` has at, combustible_percent, lel_percent,
    o2_percent, toxic_ppm (any may be None except at)."""
    breaches = []
    if test["at"] > now:
        breaches.append(Breach("gas_test.at <= now", str(_("A gas test cannot be in the future."))))
    combustible, lel = test.get("combustible_percent"), test.get("lel_percent")
    if kind in KINDS_WITH_GAS_TESTS:
        if combustible is None or lel is None:
            breaches.append(Breach("GB 30871-2022 5.3.2", str(_(
                "Give the combustible gas concentration (% vol) and the lower explosive limit (LEL, %) "
                "of the gas measured."))))
        else:
            limit = 0.5 if lel >= 4 else 0.2
            if combustible > limit:
                breaches.append(Breach("GB 30871-2022 5.3.2", str(_(
                    "Combustible gas %(value)s %% is above %(limit)s %% (vol), the limit where the LEL is "
                    "%(side)s 4 %%.") % {"value": combustible, "limit": limit,
                                         "side": "≥" if lel >= 4 else "<"})))
    if kind == "confined_space":
        o2 = test.get("o2_percent")
        if o2 is None or not O2_RANGE[0] <= o2 <= O2_RANGE[1]:
            breaches.append(Breach("GB 30871-2022 6.4 a)", str(_(
                "Oxygen must be between 19.5 %% and 21 %% (vol) inside a confined space; measured %(value)s.")
                % {"value": "—" if o2 is None else f"{o2} %"})))
        toxic = test.get("toxic_ppm")
        if toxic_limit_ppm is not None and toxic is not None and toxic > toxic_limit_ppm:
            breaches.append(Breach("GB 30871-2022 6.4 b)", str(_(
                "Toxic gas %(value)s ppm is above the permit's limit of %(limit)s ppm (GBZ 2.1).")
                % {"value": toxic, "limit": toxic_limit_ppm})))
    return breaches


def start_breaches(kind: str, latest_test: dict | None, *, at: dt.datetime, valid_from: dt.datetime,
                   valid_to: dt.datetime, toxic_limit_ppm: float | None = None) -> list[Breach]:
    """What stops work starting at `at`: outside the window, or no fresh passing gas test."""
    breaches = []
    if not valid_from <= at <= valid_to:
        breaches.append(Breach("permit window", str(_(
            "The permit is valid from %(start)s to %(end)s; it cannot start now.")
            % {"start": _local(valid_from), "end": _local(valid_to)})))
    if kind in KINDS_WITH_GAS_TESTS:
        clause = "GB 30871-2022 5.3" if kind == "hot_work" else "GB 30871-2022 6.3"
        if latest_test is None:
            breaches.append(Breach(clause, str(_("No gas analysis recorded: test the atmosphere before work starts."))))
        elif at - latest_test["at"] > GAS_TEST_MAX_AGE:
            breaches.append(Breach(clause, str(_(
                "The last gas analysis is %(minutes)d min old; it must be no older than 30 min when work starts.")
                % {"minutes": (at - latest_test["at"]).total_seconds() // 60})))
        else:
            breaches += [b for b in gas_test_breaches(kind, latest_test, now=at, toxic_limit_ppm=toxic_limit_ppm)
                         if b.rule != "gas_test.at <= now"]
    return breaches


def _local(moment: dt.datetime) -> str:
    """A time as the people at the plant read it: local, to the minute."""
    from django.utils import timezone

    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def retest_due(kind: str, latest_test_at: dt.datetime | None) -> dt.datetime | None:
    if kind != "confined_space" or latest_test_at is None:
        return None
    return latest_test_at + CONFINED_RETEST_EVERY


# --- the enterprise's colour -------------------------------------------------------------

# The base colour from the most dangerous major hazard source (GB 18218-2018 grade).
GRADE_BASE = {1: "orange", 2: "yellow", 3: "blue", 4: "blue"}
# Supervision follows the colour (分类分级监管): days between inspections, and the weight of each
# colour in the random inspection draw (双随机). The park's own settings, not national figures.
SUPERVISION_INTERVAL_DAYS = {"red": 15, "orange": 30, "yellow": 90, "blue": 180}
DRAW_WEIGHTS = {"red": 8, "orange": 4, "yellow": 2, "blue": 1}


@dataclass
class ColourInputs:
    best_grade: int | None = None  # 1 is the most dangerous
    best_grade_source: str = ""
    red_risk_points: int = 0
    open_major_hidden_dangers: int = 0
    overdue_items: int = 0
    expired_qualifications: int = 0  # contractors' (第三方单位) lapsed qualifications
    active_alarms: int = 0
    missing_commitment: bool = False
    # Inputs registered by apps above safety (safety.colour_inputs): (code, n, text, outright_red).
    extra: tuple = ()


def raise_colour(colour: str, steps: int = 1) -> str:
    return COLOURS[min(COLOURS.index(colour) + steps, len(COLOURS) - 1)]


def enterprise_colour(inputs: ColourInputs) -> tuple[str, list[dict]]:
    """The colour and the factors that made it, each {code, text, colour-after}. Monotone: more
    of any input never lowers the colour."""
    factors = []
    colour = "blue"
    if inputs.best_grade is not None:
        colour = GRADE_BASE[inputs.best_grade]
        factors.append({"code": "grade", "colour": colour, "text": str(_(
            "Major hazard source of grade %(grade)s (%(source)s)") % {"grade": inputs.best_grade,
                                                                     "source": inputs.best_grade_source})})
    if inputs.red_risk_points and COLOURS.index(colour) < COLOURS.index("orange"):
        colour = "orange"
        factors.append({"code": "red_risk_points", "colour": colour, "text": str(_(
            "%(n)d risk point(s) assessed red") % {"n": inputs.red_risk_points})})
    if inputs.open_major_hidden_dangers:
        colour = "red"
        factors.append({"code": "major_hidden_dangers", "colour": colour, "text": str(_(
            "%(n)d major hidden danger(s) (重大隐患) not closed") % {"n": inputs.open_major_hidden_dangers})})
    for code, present, text in (
        ("overdue", inputs.overdue_items, _("%(n)d item(s) overdue (hidden dangers, expired certificates, "
                                            "confined-space gas re-tests)")),
        ("contractor_qualifications", inputs.expired_qualifications,
         _("%(n)d contractor qualification(s) (第三方单位资质) expired")),
        ("alarms", inputs.active_alarms, _("%(n)d monitoring alarm(s) active")),
        ("commitment", inputs.missing_commitment, _("Today's safety commitment (安全承诺) not filed")),
    ):
        if present:
            colour = raise_colour(colour)
            factors.append({"code": code, "colour": colour, "text": str(text % {"n": int(present)})})
    for code, present, text, outright_red in inputs.extra:
        if present:
            colour = "red" if outright_red else raise_colour(colour)
            factors.append({"code": code, "colour": colour, "text": str(text % {"n": int(present)})})
    if not factors:
        factors.append({"code": "none", "colour": colour, "text": str(_("No major hazard source and nothing open"))})
    return colour, factors
