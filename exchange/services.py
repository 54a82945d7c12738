"""Writes of the 双重预防 exchange: credentials for enterprises' own systems, and the batches
those systems send. A batch is applied item by item, each in its own savepoint: a bad item is
refused with its reason and leaves nothing behind, the others are kept. Idempotent by the
sender's ids: sending the same batch again changes nothing and says so (`unchanged`).

Hidden dangers go to safety's ledger through safety's services, as the enterprise's system
account (an enterprise safety officer of that enterprise: safety.exchange_accounts), so every
rule of the ledger holds for them too (criteria, 五到位, who may close what).
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.roles import ENTERPRISE_OFFICER, SAFETY_SUPERVISOR, require_role
from core.text import UNSTORABLE
from core.tokens import token_hash
from exchange import format as fmt
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
from safety import exchange_accounts
from safety import selectors as ledger
from safety import services as ledger_services
from safety.models import HiddenDanger

MODELS = {"riskObjects": RiskObject, "riskUnits": RiskUnit, "riskEvents": RiskEvent,
          "controlMeasures": ControlMeasure, "checkTasks": CheckTask}
PARENT_ATTR = {"riskUnits": "risk_object", "riskEvents": "unit", "controlMeasures": "event", "checkTasks": "measure"}
# One batch of an enterprise at a time (pg advisory lock key space of this app).
BATCH_LOCK = 25_08
ERROR_MAX = 2000


# --- credentials ---------------------------------------------------------------------------------

@transaction.atomic
def credential_issue(*, actor, enterprise_id: int, name: str) -> tuple[Credential, str]:
    """A new token for an enterprise's system (shown once: only its hash is kept). The park's
    supervisors issue them for any enterprise, an enterprise's officer for their own."""
    require_role(actor, {SAFETY_SUPERVISOR, ENTERPRISE_OFFICER},
                 _("Only park safety supervisors and enterprise safety officers issue exchange credentials."))
    enterprise = ledger.enterprises_visible_to(actor).filter(pk=enterprise_id).first()
    if enterprise is None:
        raise DomainError(_("No enterprise %(id)s.") % {"id": enterprise_id}, status=404)
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Name the system that will use the credential (e.g. its product name)."))
    account = exchange_accounts.system_account_for(enterprise=enterprise, username=f"exchange-{enterprise.code}"[:150])
    token = "dpx_" + secrets.token_urlsafe(32)
    credential = Credential.objects.create(enterprise=enterprise, name=name[:100], account=account,
                                           token_hash=token_hash(token), prefix=token[:10], issued_by=actor)
    Sync.objects.get_or_create(enterprise=enterprise)
    return credential, token


@transaction.atomic
def credential_revoke(*, actor, credential_id: int) -> Credential:
    require_role(actor, {SAFETY_SUPERVISOR, ENTERPRISE_OFFICER},
                 _("Only park safety supervisors and enterprise safety officers revoke exchange credentials."))
    visible = ledger.scoped(Credential.objects.all(), actor)
    credential = visible.select_for_update().filter(pk=credential_id).first()
    if credential is None:
        raise DomainError(_("No exchange credential %(id)s.") % {"id": credential_id}, status=404)
    if credential.revoked_at is not None:
        raise DomainError(_("This credential is already revoked."), status=409)
    credential.revoked_at, credential.token_hash = timezone.now(), None
    credential.save(update_fields=["revoked_at", "token_hash"])
    return credential


def credential_for_token(token: str) -> Credential | None:
    return (Credential.objects.select_related("enterprise", "account")
            .filter(token_hash=token_hash(token), revoked_at__isnull=True, account__is_active=True).first())


# --- batches -------------------------------------------------------------------------------------

def batch_refused(*, credential: Credential, error: str) -> None:
    """A batch refused whole (malformed JSON, wrong shape, another enterprise): the sync status
    says so, so the park sees a system that sends but never gets through."""
    with transaction.atomic():
        sync = _sync_locked(credential)
        now = timezone.now()
        sync.last_attempt_at = sync.last_error_at = now
        sync.last_error = str(error)[:ERROR_MAX]
        sync.save(update_fields=["last_attempt_at", "last_error_at", "last_error"])
        Credential.objects.filter(pk=credential.pk).update(last_used_at=now)


def batch_receive(*, credential: Credential, data) -> dict:
    """Apply one batch from an enterprise's system. Returns {"enterprise", "counts": {kind:
    {created, updated, unchanged, deleted, rejected}}, "rejected": [{"kind", "index", "id",
    "error"}], "notes": [...]}. A body of the wrong shape is a DomainError (400, or 403 for
    another enterprise's companyCode), recorded as the sync's last error."""
    try:
        batch = _batch_shape(credential, data)
    except DomainError as refused:
        batch_refused(credential=credential, error=refused.message)
        raise
    enterprise = credential.enterprise
    actor = credential.account
    counts = {kind: {"created": 0, "updated": 0, "unchanged": 0, "deleted": 0, "rejected": 0} for kind in fmt.KINDS}
    rejected, notes = [], []
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [BATCH_LOCK, enterprise.pk])
        for kind in fmt.KINDS:
            seen: dict[str, int] = {}
            for index, raw in enumerate(batch.get(kind) or []):
                source_id = raw.get("id") if isinstance(raw, dict) else None
                try:
                    item = fmt.parse_item(kind, raw)
                    if item.source_id in seen:
                        raise fmt.ItemError(_("The id “%(id)s” is already item %(first)d of %(kind)s in this batch: "
                                              "send each record once.") % {"id": item.source_id,
                                                                          "first": seen[item.source_id], "kind": kind})
                    seen[item.source_id] = index
                    with transaction.atomic():  # a savepoint: a refused item leaves nothing behind
                        if kind == "hiddenDangers":
                            outcome, note = _hidden_danger_upsert(actor, enterprise, item, raw)
                        else:
                            outcome, note = _upsert(kind, enterprise, item, raw), ""
                except fmt.ItemError as error:
                    outcome, note = "rejected", ""
                    rejected.append(_rejection(kind, index, source_id, str(error)))
                except DomainError as error:  # the ledger's own rules, in its words
                    outcome, note = "rejected", ""
                    rejected.append(_rejection(kind, index, source_id, str(error.message)))
                counts[kind][outcome] += 1
                if note:
                    notes.append({"kind": kind, "index": index, "id": str(source_id), "note": note})
        _sync_record(credential, counts, rejected)
    return {"enterprise": enterprise.code, "counts": counts, "rejected": rejected, "notes": notes}


def _batch_shape(credential: Credential, data) -> dict:
    if not isinstance(data, dict):
        raise DomainError(_("The body is a JSON object with the lists %(kinds)s.") % {"kinds": ", ".join(fmt.KINDS)})
    unknown = sorted(set(data) - fmt.TOP_LEVEL)
    if unknown:
        raise DomainError(_("Unknown key(s) %(keys)s: a batch has companyCode and the lists %(kinds)s.") % {
            "keys": ", ".join(ascii(k)[1:-1] for k in unknown), "kinds": ", ".join(fmt.KINDS)})
    company = data.get("companyCode")
    if company is not None and company != credential.enterprise.code:
        raise DomainError(_("This credential sends for %(code)s only; the batch names another enterprise.") % {
            "code": credential.enterprise.code}, status=403)
    total = 0
    for kind in fmt.KINDS:
        items = data.get(kind)
        if items is not None and not isinstance(items, list):
            raise DomainError(_("“%(kind)s” is a list of items.") % {"kind": kind})
        total += len(items or [])
    if total > fmt.MAX_ITEMS:
        raise DomainError(_("At most %(n)d items in one batch (got %(got)d): send them in parts.") % {
            "n": fmt.MAX_ITEMS, "got": total}, status=413)
    return data


def _rejection(kind: str, index: int, source_id, error: str) -> dict:
    """The refusal as the answer shows it. The id is echoed without the characters no field (and
    no UTF-8 answer) can hold: a NUL or a lone surrogate in it is what the error is about."""
    shown = source_id if isinstance(source_id, str | int) and not isinstance(source_id, bool) else None
    if shown is not None:
        shown = UNSTORABLE.sub("\ufffd", str(shown))[:fmt.ID_MAX]
    return {"kind": kind, "index": index, "id": shown, "error": error}


def _upsert(kind: str, enterprise, item: fmt.Parsed, raw: dict) -> str:
    model = MODELS[kind]
    values = dict(item.values)
    if item.parent_id is not None:
        parent_kind = fmt.PARENT[kind][1]
        parent = MODELS[parent_kind].objects.filter(enterprise=enterprise, source_id=item.parent_id).first()
        if parent is None:
            raise fmt.ItemError(_("“%(field)s” names %(id)s, which is no %(parent)s item of yours: send the parent "
                                  "first (earlier in %(parent)s, or in an earlier batch).") % {
                "field": fmt.PARENT[kind][0], "id": item.parent_id, "parent": parent_kind})
        values[PARENT_ATTR[kind]] = parent
    row = model.objects.select_for_update().filter(enterprise=enterprise, source_id=item.source_id).first()
    if row is None:
        model.objects.create(enterprise=enterprise, source_id=item.source_id, deleted=item.deleted, received=raw,
                             **values)
        return "created"
    if row.received == raw:
        return "unchanged"
    for attr, value in values.items():
        setattr(row, attr, value)
    was_deleted, row.deleted, row.received = row.deleted, item.deleted, raw
    row.save()
    return "deleted" if item.deleted and not was_deleted else "updated"


def _hidden_danger_upsert(actor, enterprise, item: fmt.Parsed, raw: dict) -> tuple[str, str]:
    """A hidden danger into the ledger: reported when new (its deadline may have passed: the
    ledger flags it overdue), then moved on as far as the sender says it went: 整改中 → the
    rectification plan, 待验收 → rectified. 已验收 closes it only where the ledger lets its
    enterprise close it; otherwise it waits for the park's acceptance (a note says so)."""
    v = item.values
    measure = None
    if v["measure"]:
        measure = ControlMeasure.objects.filter(enterprise=enterprise, source_id=v["measure"]).first()
        if measure is None:
            raise fmt.ItemError(_("“riskMeasureId” names %(id)s, which is no controlMeasures item of yours.") % {
                "id": v["measure"]})
    link = (HiddenDangerLink.objects.select_for_update().select_related("hidden_danger")
            .filter(enterprise=enterprise, source_id=item.source_id).first())
    if link is not None and link.received == raw:
        return "unchanged", ""
    outcome = "updated"
    if link is None:
        if HiddenDanger.objects.filter(enterprise=enterprise, external_id=item.source_id).exists():
            raise fmt.ItemError(_("The ledger already has a hidden danger with external id “%(id)s” from an "
                                  "import: give this one another id.") % {"id": item.source_id})
        hidden = ledger_services.hidden_danger_report(
            actor=actor, enterprise_id=enterprise.pk, title=v["title"], description=v["description"],
            deadline=v["deadline"], level="major" if v["level"] == 1 else "general", criteria=v["criteria"],
            external_id=item.source_id, allow_past_deadline=True)
        link = HiddenDangerLink(enterprise=enterprise, source_id=item.source_id, hidden_danger=hidden)
        outcome = "created"
    note = _advance(actor, link.hidden_danger, v)
    if item.deleted and not link.deleted:
        note = " ".join(filter(None, [note, _("Deleted in your system: the park's ledger keeps it.")]))
        outcome = "deleted" if outcome != "created" else outcome
    link.deleted, link.received, link.measure = item.deleted, raw, measure
    link.save()
    return outcome, note


def _advance(actor, hidden: HiddenDanger, v: dict) -> str:
    state = v["state"]
    if state is None or (state == 0 and (hidden.state != "reported" or not v["measures"])):
        return ""
    hidden = HiddenDanger.objects.get(pk=hidden.pk)
    if hidden.state == "reported":
        ledger_services.hidden_danger_plan(
            actor=actor, hidden_danger_id=hidden.pk, measures=v["measures"], responsible=v["responsible"],
            funds_cny=v["funds_cny"], deadline=hidden.deadline, contingency=v["contingency"])
        hidden.state = "rectifying"
    if state in (1, 9) and hidden.state == "rectifying":
        ledger_services.hidden_danger_rectified(actor=actor, hidden_danger_id=hidden.pk,
                                                note=_("Reported rectified by the enterprise's own system."))
        hidden.state = "awaiting_verification"
    if state == 9 and hidden.state == "awaiting_verification":
        try:
            with transaction.atomic():
                ledger_services.hidden_danger_verify(actor=actor, hidden_danger_id=hidden.pk, accepted=True,
                                                     note=_("Accepted in the enterprise's own system."))
        except DomainError as refused:
            return _("Accepted in your system; the ledger keeps it awaiting verification: %(why)s") % {
                "why": refused.message}
    return ""


def _sync_locked(credential: Credential) -> Sync:
    Sync.objects.get_or_create(enterprise=credential.enterprise)
    return Sync.objects.select_for_update().get(enterprise=credential.enterprise)


def _sync_record(credential: Credential, counts: dict, rejected: list[dict]) -> None:
    sync = _sync_locked(credential)
    now = timezone.now()
    sync.last_attempt_at, sync.batches, sync.last_counts = now, sync.batches + 1, counts
    accepted = sum(n for kind in counts.values() for key, n in kind.items() if key != "rejected")
    if accepted or not rejected:
        sync.last_success_at = now
    if rejected:
        sync.last_error_at = now
        first = rejected[0]
        sync.last_error = (_("%(n)d item(s) refused; first: %(kind)s[%(index)d] (id %(id)s): %(error)s") % {
            "n": len(rejected), "kind": first["kind"], "index": first["index"], "id": first["id"],
            "error": first["error"]})[:ERROR_MAX]
    sync.save()
    Credential.objects.filter(pk=credential.pk).update(last_used_at=now)


def stale_after() -> dt.timedelta:
    return dt.timedelta(hours=settings.EXCHANGE_STALE_HOURS)
