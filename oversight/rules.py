"""The rhythms of the park's safety administration (安全基础管理), as data with their sources.

Each number here is a rule a supervisor is scored on; a park may be stricter, never looser,
so settings can shorten an interval (OVERSIGHT_* in command/settings.py) but these are the
national figures.
"""

import datetime as dt

from django.utils.translation import gettext_lazy as _

# Licence reminders (安全生产行政许可): the park is told 90 and 30 days before a licence lapses,
# the enterprise needs about three months to renew (安全生产许可证条例 Art. 9: apply three
# months before expiry).
LICENCE_REMINDER_DAYS = (90, 30)

# 包保 duty rhythms (危险化学品企业重大危险源安全包保责任制办法(试行), 应急厅〔2021〕12号):
# the principal organises a targeted check of the major hazard source at least every quarter
# (Art. 4), the technical lead at least every month (Art. 5), the operational lead at least
# every week (Art. 6). Days are the longest allowed gap between two recorded checks.
DUTY_INTERVAL_DAYS = {"principal": 92, "technical": 31, "operational": 7}
DUTY_ARTICLE = {"principal": "第四条", "technical": "第五条", "operational": "第六条"}

# Safety assessment of a major hazard source (危险化学品重大危险源监督管理暂行规定,
# 原安监总局令第40号, Art. 8): at least every three years, and anew after a change of process,
# equipment, quantity or surroundings.
EVALUATION_INTERVAL_YEARS = 3
EVALUATION_DUE_SOON_DAYS = 90

STATUS_LABELS = {
    "overdue": _("Overdue"),
    "expired": _("Expired"),
    "expiring": _("Expiring"),
    "due": _("Due soon"),
}


def licence_status(valid_to: dt.date, today: dt.date) -> str:
    """'expired', 'expiring' (within the first reminder) or '' for a licence in good standing."""
    if valid_to < today:
        return "expired"
    if valid_to <= today + dt.timedelta(days=LICENCE_REMINDER_DAYS[0]):
        return "expiring"
    return ""


def licence_reminder_due(valid_to: dt.date, today: dt.date, already: set[int]) -> int | None:
    """The reminder (in days before expiry) that is due today and not yet sent, if any: the
    nearest threshold crossed, so a licence entered 20 days before expiry gets the 30-day
    reminder only, not both."""
    left = (valid_to - today).days
    if left < 0:
        return None
    crossed = [days for days in LICENCE_REMINDER_DAYS if left <= days]
    if not crossed:
        return None
    nearest = min(crossed)
    return None if nearest in already else nearest


def duty_due(role: str, last_at: dt.datetime | None, named_at: dt.datetime | None) -> dt.datetime | None:
    """When the next check of `role` is due: an interval after the last check, or after the
    person was named (the duty began then) when none is recorded yet. None when nobody holds
    the role: that is a gap in the ledger (safety shows it), not a late check."""
    start = last_at or named_at
    return start + dt.timedelta(days=DUTY_INTERVAL_DAYS[role]) if start else None


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def evaluation_due(completed_on: dt.date | None) -> dt.date | None:
    return add_years(completed_on, EVALUATION_INTERVAL_YEARS) if completed_on else None

# A turnaround reported for more than this is a typing error or a plant that should be
# re-registered, not a turnaround.
TURNAROUND_MAX_DAYS = 120
TURNAROUND_MAX_UNITS = 50

# 行政处罚法 (2021) Art. 42: law enforcement is done by at least two officers.
MIN_INSPECTORS = 2
MAX_FINDINGS = 50


def inspector_pairs(inspectors: list[str], enterprise_ids: list[int], seed: str) -> dict[int, list[str]]:
    """双随机 pairs inspectors at random too: the draw's seed shuffles its inspectors and deals
    them two by two to the drawn enterprises (round robin when there are fewer pairs than
    enterprises). Replayable from the seed, like the draw itself."""
    import random

    if len(inspectors) < MIN_INSPECTORS:
        return {}
    names = list(inspectors)
    random.Random(f"{seed}:inspectors").shuffle(names)
    pairs = [names[i:i + 2] for i in range(0, len(names) - 1, 2)]
    if len(names) % 2:  # an odd one out joins the last pair
        pairs[-1].append(names[-1])
    return {pk: pairs[k % len(pairs)] for k, pk in enumerate(sorted(enterprise_ids))}
