"""Reads of the 双重预防 exchange: each enterprise's sync status (a supervisor sees the park, an
enterprise officer their own enterprise, as everywhere in the ledger), and what the enterprise's
system has sent."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from exchange.models import (
    CheckTask,
    ControlMeasure,
    Credential,
    HiddenDangerLink,
    RiskEvent,
    RiskObject,
    RiskUnit,
    Sync,
)
from safety import selectors as ledger

STATUS_LABELS = {
    "ok": _("Up to date"),
    "error": _("Last batch had errors"),
    "stale": _("Stale"),
    "never": _("Never synced"),
    "not_connected": _("Not connected"),
}
STORED = (("riskObjects", RiskObject), ("riskUnits", RiskUnit), ("riskEvents", RiskEvent),
          ("controlMeasures", ControlMeasure), ("checkTasks", CheckTask), ("hiddenDangers", HiddenDangerLink))


def credentials_visible_to(user):
    return ledger.scoped(Credential.objects.select_related("enterprise"), user).order_by("enterprise__code", "-issued_at")


def sync_status(user, *, at: dt.datetime | None = None, enterprise_id: int | None = None) -> list[dict]:
    """One row per enterprise this user may see: its active credentials, the last success and
    error, the last batch's counts, what is stored, and the status: `not_connected` (no active
    credential), `never` (connected, nothing got through yet), `stale` (no success for
    EXCHANGE_STALE_HOURS), `error` (the last error is newer than the last success), `ok`."""
    at = at or timezone.now()
    stale = dt.timedelta(hours=settings.EXCHANGE_STALE_HOURS)
    enterprises = ledger.enterprises_visible_to(user).order_by("code")
    if enterprise_id is not None:
        enterprises = enterprises.filter(pk=enterprise_id)
    enterprises = list(enterprises)
    ids = [e.pk for e in enterprises]
    connected = set(Credential.objects.filter(enterprise_id__in=ids, revoked_at__isnull=True)
                    .values_list("enterprise_id", flat=True))
    syncs = {s.enterprise_id: s for s in Sync.objects.filter(enterprise_id__in=ids)}
    stored: dict[int, dict] = {pk: {} for pk in ids}
    for kind, model in STORED:
        for row in (model.objects.filter(enterprise_id__in=ids, deleted=False).values("enterprise_id")
                    .annotate(n=Count("pk"))):
            stored[row["enterprise_id"]][kind] = row["n"]
    rows = []
    for enterprise in enterprises:
        sync = syncs.get(enterprise.pk)
        success = sync.last_success_at if sync else None
        error_at = sync.last_error_at if sync else None
        if enterprise.pk not in connected:
            status, due = "not_connected", None
        elif success is None:
            status, due = "never", None
        elif success + stale < at:
            status, due = "stale", success + stale
        elif error_at and error_at > success:
            status, due = "error", success + stale
        else:
            status, due = "ok", success + stale
        rows.append({
            "enterprise": enterprise, "connected": enterprise.pk in connected, "status": status,
            "status_label": STATUS_LABELS[status], "last_attempt_at": sync.last_attempt_at if sync else None,
            "last_success_at": success, "last_error_at": error_at, "last_error": sync.last_error if sync else "",
            "last_counts": sync.last_counts if sync else {}, "batches": sync.batches if sync else 0,
            "stale_at": due, "stored": {kind: stored[enterprise.pk].get(kind, 0) for kind, _m in STORED},
        })
    return rows


def overdue_syncs(user, at: dt.datetime, enterprise_ids: list[int]) -> list[dict]:
    """For the supervisor's overview: connected enterprises whose system has not got a batch
    through for EXCHANGE_STALE_HOURS (or never)."""
    return [row for row in sync_status(user, at=at) if row["enterprise"].pk in enterprise_ids
            and row["status"] in ("stale", "never")]
