"""Who may do what in closed park management (DOMAIN.md "Closed park management"; issue 24.11)."""

from core.roles import (
    CONSOLE_ROLES,
    ENTERPRISE_OFFICER,
    INTAKE_ROLES,
    SAFETY_SUPERVISOR,
)

# The whole park: the command centre's console and the park's own staff (its supervisors).
PARK_ROLES = CONSOLE_ROLES | {SAFETY_SUPERVISOR}
# Also an enterprise officer, scoped to their enterprise (its zones, its vehicles, its staff counts).
PARK_OR_ENTERPRISE = PARK_ROLES | {ENTERPRISE_OFFICER}
# Book a hazardous-chemical vehicle's entry: the enterprise for itself, the park for anyone.
BOOKING_ROLES = frozenset({SAFETY_SUPERVISOR, ENTERPRISE_OFFICER})
# Acknowledge a gate or vehicle alarm; correct the counts.
ALARM_ACK_ROLES = INTAKE_ROLES | {SAFETY_SUPERVISOR, ENTERPRISE_OFFICER}
CORRECTION_ROLES = INTAKE_ROLES | {SAFETY_SUPERVISOR}
