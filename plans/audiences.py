"""Who hears the duty audience: the officers on a duty shift right now, whatever their role
(rosters, issue 4): new-incident alerts, escalations, alarms."""

from django.db.models import Exists, OuterRef

from plans.selectors import on_duty_now
from stream import audiences


def _columns(now) -> dict:
    return {"on_duty": Exists(on_duty_now(now).filter(person=OuterRef("pk")))}


def _member(user) -> bool:
    return user.on_duty


audiences.register("duty", columns=_columns, member=_member,
                   doc="Officers on a duty shift right now (plans.selectors.on_duty_now).")
