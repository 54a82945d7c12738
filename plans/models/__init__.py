"""Contingency plans (应急预案), their activation on incidents, and duty rosters (值班值守)."""

from plans.models.activation import Activation, Task
from plans.models.duty import CalendarToken, DutyPost, Handover, Shift
from plans.models.plan import Action, Plan, PlanAttachment, PlanContact, ResponseLevel

__all__ = [
    "Action", "Activation", "CalendarToken", "DutyPost", "Handover", "Plan", "PlanAttachment",
    "PlanContact", "ResponseLevel", "Shift", "Task",
]
