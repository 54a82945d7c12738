"""Every write of the plans app (plans, activations, tasks, rosters), one transaction each."""

from plans.services.activation import (
    activation_end,
    activation_raise,
    plan_activate,
    task_done,
    task_flag_overdue,
)
from plans.services.duty import (
    calendar_token_ensure,
    calendar_token_reset,
    handover_confirm,
    handover_create,
    roster_import,
    shift_check,
    shift_create,
    shift_update,
)
from plans.services.plans import (
    plan_actions_import,
    plan_edited,
    plan_new_version,
    plan_publish,
    plan_retire,
    plan_submit_for_review,
)

__all__ = [
    "activation_end", "activation_raise", "calendar_token_ensure", "calendar_token_reset", "handover_confirm", "handover_create",
    "plan_actions_import", "plan_activate", "plan_edited", "plan_new_version", "plan_publish", "plan_retire",
    "plan_submit_for_review", "roster_import", "shift_check", "shift_create", "shift_update", "task_done", "task_flag_overdue",
]
