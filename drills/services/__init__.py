"""Every write of drills, scenarios' runs, findings and incident reports. One transaction each.

One topic per module: lifecycle (a drill planned, started, ended, its units released, overdue
drills flagged), injects (played through the services a real event uses), evaluation
(findings and the plan revisions they open). Callers import from here. Incident reports
(初报 / 续报 / 终报) are incidents' (incidents.services.incident_report_file).

Injects are played through the services a real event uses (incidents, hazards, monitoring),
as the drill's director, with every object they create marked as an exercise. Each inject is
a durable procrastinate job deferred in the transaction that starts the drill, due at
T + offset / speed: a worker restart loses none, and a job run twice plays its inject once
(the InjectRun row is locked and checked first).

Lock order: drill → scenario → inject run, then the called service's own locks.
"""

from core.errors import DomainError  # callers catch services.DomainError, as before the split
from drills.services.base import (
    DIRECT_ROLES,
    EVALUATE_ROLES,
    MAX_SPEED,
    START_TOLERANCE,
)
from drills.services.evaluation import (
    finding_open_revision,
    finding_record,
)
from drills.services.injects import (
    inject_play,
    play_inject,
)
from drills.services.lifecycle import (
    drill_end,
    drill_plan,
    drill_release_units,
    drill_start,
    drills_flag_overdue,
    flag_overdue_drills,
    sweep_overdue_drills,
)

__all__ = [
    "DomainError",
    "DIRECT_ROLES",
    "EVALUATE_ROLES",
    "MAX_SPEED",
    "START_TOLERANCE",
    "drill_end",
    "drill_plan",
    "drill_release_units",
    "drill_start",
    "drills_flag_overdue",
    "finding_open_revision",
    "finding_record",
    "flag_overdue_drills",
    "inject_play",
    "play_inject",
    "sweep_overdue_drills",
]
