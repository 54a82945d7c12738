"""Writes of the safety ledger. Each service runs in one transaction, checks who may do it
(role, and for an enterprise officer that the record is their enterprise's: another
enterprise's record is a 404, as if it did not exist), and emits its events.

One topic per module: contractors (第三方单位), filings (报备 and
spot checks of special work), hidden_dangers (隐患, with photos and imports), risk_points, permits
(special work, GB 30871-2022, and what an alarm nearby does to them), commitments (daily
safety commitment), colour (the enterprise's four colours and the receivers that recolour it),
memberships (who hears which enterprise's stream), inspections (双随机 draw); base holds who may
write what and where an enterprise's site is. Callers import from here.

Locks: the hidden danger or permit row first, then the enterprise's colour row
(enterprise_colour_recompute), never the other way round.
"""

from core.errors import DomainError  # callers catch services.DomainError, as before the split
from safety.services.base import (
    SAFETY_WRITERS,
    SITE_RADIUS_M,
)
from safety.services.colour import (
    certificate_saved,
    colour_input_deleted,
    colour_input_event,
    enterprise_colour_recompute,
    enterprise_colour_recompute_later,
    enterprise_colours_recompute_all,
    lapse_moment,
    recompute_colour,
    recompute_colours,
    risk_source_changed,
    risk_source_saving,
)
from safety.services.commitments import (
    check_commitments,
    commitment_file,
    commitments_flag_missing,
)
from safety.services.contractors import (
    contractor_qualification_add,
    contractor_register,
)
from safety.services.filings import (
    permit_spot_check,
    work_filing_create,
    work_filing_link,
)
from safety.services.hidden_dangers import (
    IMPORT_LOCK,
    MAX_PHOTOS,
    deadline_movable_by,
    deadline_set_by_park,
    flag_overdue_hidden_danger,
    flag_overdue_hidden_dangers,
    hidden_danger_deadline_set,
    hidden_danger_flag_overdue,
    hidden_danger_photo_add,
    hidden_danger_plan,
    hidden_danger_rectified,
    hidden_danger_report,
    hidden_danger_verify,
    hidden_dangers_import,
    verifiable_by,
)
from safety.services.inspections import (
    inspection_draw,
    weighted_draw,
)
from safety.services.memberships import (
    membership_changed,
    membership_saving,
)
from safety.services.permits import (
    gas_test_record,
    permits_alarm_event,
    work_permit_approve,
    work_permit_close,
    work_permit_pause,
    work_permit_resume,
    work_permit_start,
    work_permit_submit,
)
from safety.services.risk_points import (
    risk_point_assess,
)

__all__ = [
    "DomainError",
    "IMPORT_LOCK",
    "MAX_PHOTOS",
    "SAFETY_WRITERS",
    "SITE_RADIUS_M",
    "certificate_saved",
    "check_commitments",
    "colour_input_deleted",
    "colour_input_event",
    "commitment_file",
    "commitments_flag_missing",
    "contractor_qualification_add",
    "contractor_register",
    "deadline_movable_by",
    "deadline_set_by_park",
    "enterprise_colour_recompute",
    "enterprise_colour_recompute_later",
    "enterprise_colours_recompute_all",
    "lapse_moment",
    "flag_overdue_hidden_danger",
    "flag_overdue_hidden_dangers",
    "gas_test_record",
    "hidden_danger_deadline_set",
    "hidden_danger_flag_overdue",
    "hidden_danger_photo_add",
    "hidden_danger_plan",
    "hidden_danger_rectified",
    "hidden_danger_report",
    "hidden_danger_verify",
    "hidden_dangers_import",
    "inspection_draw",
    "membership_changed",
    "membership_saving",
    "permit_spot_check",
    "permits_alarm_event",
    "recompute_colour",
    "recompute_colours",
    "risk_point_assess",
    "risk_source_changed",
    "risk_source_saving",
    "verifiable_by",
    "weighted_draw",
    "work_filing_create",
    "work_filing_link",
    "work_permit_approve",
    "work_permit_close",
    "work_permit_pause",
    "work_permit_resume",
    "work_permit_start",
    "work_permit_submit",
]
