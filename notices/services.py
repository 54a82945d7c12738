"""Every write of notices: contacts, groups, notices, receipts (docs/architecture.md).

A notice is one row with one receipt per recipient and channel. Sending is a durable job per
receipt (procrastinate), deferred in the notice's transaction, so a rollback sends nothing and
a crash after commit loses nothing; SMS jobs are spread over time slots so every notice
together keeps SMS_RATE messages per second. A receipt only moves forward (models.STATE_RANK):
a delivery report or reply that arrives twice is recognised (GatewayReport.key) and counts once.
Chasing is a job at the deadline that re-reads the receipts, so a confirmation that came first
cancels it."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from procrastinate import RetryStrategy
from procrastinate.contrib.django import app as jobs

import stream
from core.errors import DomainError
from core.retry import TRANSIENT_DATABASE_ERRORS
from core.roles import INTAKE_ROLES, PLANNER, require_role
from notices import channels, events, phones, registry, texts
from notices.models import (
    CHANNEL_ORDER,
    STATE_RANK,
    Contact,
    ContactGroup,
    GatewayReport,
    Notice,
    Receipt,
    ReceiptState,
    SmsPacer,
)

log = logging.getLogger(__name__)

CONTACT_WRITERS = INTAKE_ROLES | {PLANNER}
NOTICE_SENDERS = INTAKE_ROLES
CONFIRM_WORDS = {"1", "１", "收到", "确认", "收到。", "ok", "OK"}
MAX_TEXT = 2000


# --- contacts and groups -------------------------------------------------------------------

@transaction.atomic
def contact_create(*, actor, name: str, mobile: str = "", organisation: str = "", position: str = "",
                   user=None, groups=(), deputy=None, note: str = "") -> Contact:
    if actor is not None:
        require_role(actor, CONTACT_WRITERS, _("Only duty officers, dispatchers, commanders and planners keep contacts."))
    contact = Contact(name=_clean(name, _("name"), 120, required=True), organisation=_clean(organisation, _("organisation"), 200),
                      position=_clean(position, _("position"), 120), note=_clean(note, _("note"), 2000),
                      mobile=phones.normalise_mobile(mobile) if str(mobile or "").strip() else "",
                      user=user, deputy=deputy)
    _save_contact(contact)
    if groups:
        contact.groups.set(groups)
    return contact


@transaction.atomic
def contact_update(*, actor, contact: Contact, **fields) -> Contact:
    require_role(actor, CONTACT_WRITERS, _("Only duty officers, dispatchers, commanders and planners keep contacts."))
    groups = fields.pop("groups", None)
    for name, value in fields.items():
        if name == "mobile":
            value = phones.normalise_mobile(value) if str(value or "").strip() else ""
        elif name in ("name", "organisation", "position", "note"):
            value = _clean(value, name, 2000 if name == "note" else 200, required=name == "name")
        setattr(contact, name, value)
    _save_contact(contact)
    if groups is not None:
        contact.groups.set(groups)
    return contact


def _save_contact(contact: Contact) -> None:
    if contact.mobile:
        clash = Contact.objects.filter(mobile=contact.mobile).exclude(pk=contact.pk).first()
        if clash is not None:
            raise DomainError(_("Another contact (%(name)s) already has this mobile number.") % {"name": clash.name},
                              status=409)
    if contact.user_id:
        clash = Contact.objects.filter(user_id=contact.user_id).exclude(pk=contact.pk).first()
        if clash is not None:
            raise DomainError(_("This user is already linked to the contact %(name)s.") % {"name": clash.name},
                              status=409)
    try:
        with transaction.atomic():
            contact.save()
    except IntegrityError:
        raise DomainError(_("Another contact already has this mobile number or user."), status=409) from None


@transaction.atomic
def group_create(*, actor, name: str, members=(), description: str = "") -> ContactGroup:
    if actor is not None:
        require_role(actor, CONTACT_WRITERS, _("Only duty officers, dispatchers, commanders and planners keep contacts."))
    name = _clean(name, _("name"), 120, required=True)
    if ContactGroup.objects.filter(name=name).exists():
        raise DomainError(_("A group named %(name)s exists already.") % {"name": name}, status=409)
    group = ContactGroup.objects.create(name=name, description=_clean(description, "description", 2000))
    if members:
        group.members.set(members)
    return group


# --- notices --------------------------------------------------------------------------------

def notice_send(*, actor, title: str, body: str = "", contacts=(), groups=(), users=(), targets=(),
                channels_wanted=("app", "sms"), confirm_within_s: int | None = None, incident_id: int | None = None,
                drill: bool = False, source: str = "manual", check_role: bool = True) -> Notice:
    """Send a notice to contacts, groups, users and registered targets ({"kind", "id"}: a duty
    post's officers on duty, a unit's crew ...) on the given channels.

    One receipt per person and channel that can reach them (an SMS needs a mobile, the app a
    user); 400 when that is nobody, when a group is empty, or a channel is not configured.
    Flows (assignment escalation, HH alarms, plan activation, warnings) call it with
    `check_role=False` and actor None: the system sends those."""
    with transaction.atomic():
        if check_role:
            require_role(actor, NOTICE_SENDERS, _("Only duty officers, dispatchers and commanders send notices."))
        title = _clean(title, _("title"), 200, required=True)
        body = _clean(body, _("text"), MAX_TEXT)
        wanted = _channels(channels_wanted)
        if confirm_within_s is not None and not (30 <= int(confirm_within_s) <= 7 * 24 * 3600):
            raise DomainError(_("confirm_within_s must be between 30 seconds and 7 days."))
        if incident_id is not None and not registry.incident_exists(incident_id):
            raise DomainError(_("Unknown incident %(id)s.") % {"id": incident_id})
        people = resolve_people(contacts=contacts, groups=groups, users=users, targets=targets)
        notice = Notice.objects.create(title=title, body=body, incident_id=incident_id, channels=wanted,
                                       confirm_within_s=confirm_within_s, drill=drill, source=source,
                                       created_by=actor if getattr(actor, "pk", None) else None)
        receipts = _receipts_for(notice, people, wanted, round_=0)
        if not receipts:
            raise DomainError(_("Nobody to send to: none of these people can be reached on the chosen channels "
                                "(an SMS needs a mobile number, the app a user account)."))
        _queue(receipts)
        if confirm_within_s:
            chase_notice.configure(schedule_in={"seconds": confirm_within_s}).defer(notice_id=notice.pk, round=1)
        registry.incident_timeline(
            incident_id=incident_id, actor=actor if getattr(actor, "pk", None) else None, kind="notice",
            text=_("Notice “%(title)s” sent to %(n)s people (%(channels)s).") % {
                "title": title, "n": len(people), "channels": ", ".join(wanted)},
            data={"notice": notice.pk})
        stream.publish(events.NOTICE_CREATED, notice, None)
    notice.sent_receipts = receipts  # what was queued, for the caller's answer without a re-read
    return notice


def notify_flow(*, source: str, title: str, body: str = "", targets=(), users=(), groups=(), contacts=(),
                channels_wanted=("app", "sms"), incident_id: int | None = None, drill: bool = False,
                confirm_within_s: int | None = None) -> Notice | None:
    """A notice a flow sends by itself (assignment escalation, HH alarm, plan activation,
    warning), inside the flow's transaction. Nobody reachable is not the flow's failure: it is
    logged and the flow goes on (a savepoint keeps nothing half-written)."""
    try:
        return notice_send(actor=None, check_role=False, source=source, title=title, body=body, targets=targets,
                           users=users, groups=groups, contacts=contacts, channels_wanted=[c for c in channels_wanted
                                                                    if channels.adapter(c).configured()],
                           incident_id=incident_id, drill=drill, confirm_within_s=confirm_within_s)
    except DomainError as exc:
        log.warning("notice from %s not sent: %s", source, exc.message)
        return None


def notify_warning(*, level: str, headline: str, text: str, drill: bool, incident_id: int | None,
                   groups: list[int] = (), by_level: bool = True) -> Notice | None:
    """An issued public warning goes to the groups it names and, `by_level`, to the groups that
    receive its level (ContactGroup.warning_levels): one notice, each person once."""
    groups = list(dict.fromkeys([*groups, *(ContactGroup.objects.filter(warning_levels__contains=[level])
                                           .values_list("pk", flat=True) if by_level else [])]))
    if not groups:
        return None
    return notify_flow(source="alert.issued", groups=groups, title=headline, body=text, drill=drill,
                       incident_id=incident_id)


def contact_for(*, name: str, mobile: str, organisation: str = "", position: str = "") -> Contact | None:
    """The directory's contact with this number, added when missing (a plan's role-holder kept
    in the plan with a phone): None when the number is not a mobile one."""
    try:
        number = phones.normalise_mobile(mobile)
    except DomainError:
        return None
    contact = Contact.objects.filter(mobile=number).first()
    if contact is None:
        contact = contact_create(actor=None, name=name[:120] or number, mobile=number,
                                 organisation=organisation[:200], position=position[:120])
    return contact


def resolve_people(*, contacts=(), groups=(), users=(), targets=()) -> list[dict]:
    """Everyone named, once each: [{"contact": Contact|None, "user_id", "name", "mobile"}]."""
    contact_ids = _ids(contacts, "contacts")
    group_ids = _ids(groups, "groups")
    user_ids = _ids(users, "users")
    people: dict[tuple, dict] = {}
    found = {c.pk: c for c in Contact.objects.filter(pk__in=contact_ids)}
    missing = [i for i in contact_ids if i not in found]
    if missing:
        raise DomainError(_("Unknown contacts: %(ids)s.") % {"ids": ", ".join(map(str, missing))})
    chosen = list(found.values())
    if group_ids:
        group_rows = {g.pk: g for g in ContactGroup.objects.filter(pk__in=group_ids)}
        unknown = [i for i in group_ids if i not in group_rows]
        if unknown:
            raise DomainError(_("Unknown groups: %(ids)s.") % {"ids": ", ".join(map(str, unknown))})
        members = list(Contact.objects.filter(groups__in=group_ids, active=True).distinct())
        by_group = set(Contact.groups.through.objects.filter(contactgroup_id__in=group_ids, contact__active=True)
                       .values_list("contactgroup_id", flat=True))
        empty = [group_rows[i].name for i in group_ids if i not in by_group]
        if empty:
            raise DomainError(_("These groups have no active members: %(names)s.") % {"names": ", ".join(empty)})
        chosen += members
    users_found = list(get_user_model().objects.filter(pk__in=user_ids, is_active=True))
    unknown_users = sorted(set(user_ids) - {u.pk for u in users_found})
    if unknown_users:
        raise DomainError(_("Unknown or inactive users: %(ids)s.") % {"ids": ", ".join(map(str, unknown_users))})
    for target in targets or ():
        chosen += _resolve_target(target)
    chosen += users_found
    linked = {c.user_id: c for c in Contact.objects.filter(user__in=[u for u in chosen if not isinstance(u, Contact)])}
    for item in chosen:
        if not isinstance(item, Contact):
            item = linked.get(item.pk, item)
        if isinstance(item, Contact):
            key = ("c", item.pk)
            person = {"contact": item, "user_id": item.user_id, "name": item.name, "mobile": item.mobile}
        else:
            key = ("u", item.pk)
            person = {"contact": None, "user_id": item.pk, "name": item.get_full_name() or item.get_username(),
                      "mobile": ""}
        people.setdefault(key, person)
    return list(people.values())


def _resolve_target(target) -> list:
    if not isinstance(target, dict) or set(target) != {"kind", "id"}:
        raise DomainError(_('Each target is {"kind": ..., "id": ...}.'))
    kind = registry.recipient_kinds().get(str(target["kind"]))
    if kind is None:
        raise DomainError(_("Unknown target kind %(kind)s; known: %(known)s.") % {
            "kind": str(target["kind"])[:40], "known": ", ".join(sorted(registry.recipient_kinds()))})
    return list(kind.resolve(target["id"]))


def _receipts_for(notice: Notice, people: list[dict], wanted: list[str], *, round_: int,
                  chased_from: Receipt | None = None) -> list[Receipt]:
    expires = timezone.now() + dt.timedelta(seconds=settings.NOTICE_LINK_TTL_S)
    app_text = texts.app_text(title=notice.title, body=notice.body, drill=notice.drill)
    out = []
    for person in people:
        for name in wanted:
            if not channels.adapter(name).can_reach(user_id=person["user_id"], mobile=person["mobile"]):
                continue
            receipt = Receipt(notice=notice, contact=person["contact"], user_id=person["user_id"], name=person["name"],
                              mobile=person["mobile"] if name != "app" else "", channel=name, round=round_,
                              chased_from=chased_from, token_expires_at=expires)
            receipt.text = (texts.sms_text(title=notice.title, body=notice.body, drill=notice.drill, token=receipt.token)
                            if name in ("sms", "voice") else app_text)
            out.append(receipt)
    return out


def _queue(receipts: list[Receipt]) -> None:
    """Insert the receipts and one send job each, in this transaction: SMS (and calls) spread
    over the gateway's time slots, the app at once. Slots are set before the insert: one
    statement for the receipts, one for the jobs."""
    now = timezone.now()
    paced = [r for r in receipts if r.channel != "app"]
    for receipt, slot in zip(paced, _slots(len(paced)), strict=True):
        receipt.send_after = slot
    Receipt.objects.bulk_create(receipts, batch_size=5000)
    _defer_sends([(r.pk, r.send_after or now) for r in receipts])


def _slots(count: int) -> list[dt.datetime]:
    """`count` sending times at SMS_RATE per second from the gateway's next free slot (one row,
    locked: notices sent at once share the rate instead of each taking all of it)."""
    if not count:
        return []
    now = timezone.now()
    rate = max(1, settings.SMS_RATE)
    # Escalations and plan activations emit their event and then queue SMS, a notice emits after
    # queueing: both take the stream's lock before the pacer's row, or they deadlock.
    stream.hold_emitters_lock()
    pacer = SmsPacer.objects.select_for_update().filter(pk=1).first()
    if pacer is None:
        pacer, _created = SmsPacer.objects.get_or_create(pk=1, defaults={"next_at": now})
        pacer = SmsPacer.objects.select_for_update().get(pk=1)
    start = max(pacer.next_at, now)
    pacer.next_at = start + dt.timedelta(seconds=count / rate)
    pacer.save(update_fields=["next_at"])
    return [start + dt.timedelta(seconds=i / rate) for i in range(count)]


def _defer_sends(items: list[tuple[int, dt.datetime]]) -> None:
    """One send job per receipt through procrastinate's own batch function, in one statement
    whose only parameters are two arrays (ids, times): no 7,000-parameter query to build."""
    if not items:
        return
    template = send_receipt.configure().job
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT procrastinate_defer_jobs_v1(array_agg(ROW(%s, %s, %s, %s, %s, "
            "jsonb_build_object('receipt_id', u.id), u.at)::procrastinate_job_to_defer_v1 ORDER BY u.n)) "
            "FROM unnest(%s::bigint[], %s::timestamptz[]) WITH ORDINALITY AS u(id, at, n)",
            [template.queue, template.task_name, template.priority, template.lock, template.queueing_lock,
             [i for i, _when in items], [when for _i, when in items]])


def receipt_send(*, receipt_id: int) -> Receipt | None:
    """Run by the send job: hand one receipt to its channel, once.

    The row stays locked while the gateway is called, so two workers never send it twice; a
    receipt no longer queued (sent, confirmed meanwhile, failed) is left alone. A gateway that
    is down raises TemporaryFailure: the transaction rolls back and the job is retried later
    with the message still queued."""
    with transaction.atomic():
        receipt = Receipt.objects.select_for_update(of=("self",)).select_related("notice").filter(pk=receipt_id).first()
        if receipt is None or receipt.state != ReceiptState.QUEUED:
            return receipt
        try:
            answer = channels.adapter(receipt.channel).send(receipt)
        except channels.PermanentFailure as exc:
            _move(receipt, ReceiptState.FAILED, error=str(exc)[:300])
            return receipt
        now = timezone.now()
        receipt.sent_at = now
        _move(receipt, ReceiptState.SENT, error="")
        if receipt.channel == "app" and receipt.user_id:
            stream.publish(events.NOTICE_CREATED, receipt.notice, receipt)
        log.info("notice %s receipt %s sent by %s%s", receipt.notice_id, receipt.pk, receipt.channel,
                 f" to {phones.mask(receipt.mobile)}: {answer[:60]}" if receipt.mobile else "")
        return receipt


def _move(receipt: Receipt, state: str, *, error: str | None = None, **stamps) -> bool:
    """Move a locked receipt forward (never back) and tell the console."""
    if STATE_RANK[state] < STATE_RANK[receipt.state] or (state == receipt.state and not stamps and error is None):
        return False
    if receipt.state in (ReceiptState.CONFIRMED,) and state != ReceiptState.CONFIRMED:
        return False
    receipt.state = state
    fields = ["state", "updated_at"]
    if error is not None:
        receipt.error = error
        fields.append("error")
    for name, value in stamps.items():
        setattr(receipt, name, value)
        fields.append(name)
    if receipt.sent_at and "sent_at" not in fields:
        fields.append("sent_at")
    receipt.save(update_fields=fields)
    stream.publish(events.NOTICE_RECEIPT, receipt)
    return True


# --- the way back: delivery reports, replies, the person's link ------------------------------

DLR_STATES = {1: ReceiptState.DELIVERED, 2: ReceiptState.FAILED, 8: ReceiptState.SENT, 16: ReceiptState.FAILED,
              4: None}


@transaction.atomic
def delivery_report(*, receipt_id: int, dlr_type: int) -> str:
    """A report from the gateway for one receipt; the same report twice counts once."""
    receipt = Receipt.objects.select_for_update(of=("self",)).filter(pk=receipt_id).first()
    if receipt is None:
        raise DomainError(_("Unknown receipt."), status=404)
    if dlr_type not in DLR_STATES:
        raise DomainError(_("Unknown delivery report type."))
    if not _first_report(f"dlr:{receipt_id}:{dlr_type}", kind="dlr", receipt=receipt, text=str(dlr_type),
                         outcome=GatewayReport.Outcome.APPLIED):
        return "duplicate"
    state = DLR_STATES[dlr_type]
    now = timezone.now()
    if state == ReceiptState.DELIVERED:
        _move(receipt, state, delivered_at=now)
    elif state == ReceiptState.FAILED:
        _move(receipt, state, error=_("The carrier could not deliver it (report %(type)s).") % {"type": dlr_type})
    elif state == ReceiptState.SENT and receipt.state == ReceiptState.QUEUED:
        _move(receipt, state, sent_at=now)
    return "applied"


@transaction.atomic
def sms_reply(*, sender: str, text: str, gateway_id: str) -> GatewayReport | None:
    """A reply from a phone. "1" or "收到" from a number with an open SMS receipt confirms the
    newest of them (the person, on every channel of that notice); anything else is kept and
    shown on the console. The same message delivered twice (same gateway id) counts once."""
    text = (text or "").replace("\x00", "")[:500]
    try:
        mobile = phones.normalise_mobile(sender)
    except DomainError:
        mobile = ""
    receipt = None
    if mobile:
        receipt = (Receipt.objects.select_for_update(of=("self",))
                   .filter(mobile=mobile, channel__in=["sms", "voice"])
                   .exclude(state__in=[ReceiptState.CONFIRMED, ReceiptState.FAILED, ReceiptState.QUEUED])
                   .order_by("-notice__created_at", "-id").first())
    known = mobile and (receipt is not None or Contact.objects.filter(mobile=mobile).exists())
    if not known:
        outcome = GatewayReport.Outcome.UNKNOWN_NUMBER
    elif text.strip() not in CONFIRM_WORDS:
        outcome = GatewayReport.Outcome.OTHER_TEXT
    elif receipt is None:
        outcome = GatewayReport.Outcome.NOTHING_OPEN
    else:
        outcome = GatewayReport.Outcome.CONFIRMED
    report = _first_report(f"mo:{gateway_id}", kind="reply", receipt=receipt, text=text, outcome=outcome,
                           sender=mobile or (sender or "")[:32])
    if report is None:
        return None
    if outcome == GatewayReport.Outcome.CONFIRMED:
        _confirm_person(receipt, how=_("by SMS reply"))
    stream.publish(events.SMS_RECEIVED, report)
    return report


def _first_report(key: str, **fields) -> GatewayReport | None:
    sender = fields.pop("sender", "")
    with transaction.atomic():
        report, created = GatewayReport.objects.get_or_create(key=key[:120], defaults={**fields, "sender": sender})
    return report if created else None


@transaction.atomic
def receipt_read(*, token: str) -> Receipt:
    receipt = _by_token(token)
    if receipt.read_at is None:
        _move(receipt, ReceiptState.READ, read_at=timezone.now())
    return receipt


@transaction.atomic
def receipt_confirm(*, token: str) -> Receipt:
    receipt = _by_token(token)
    _confirm_person(receipt, how=_("on the notice page"))
    receipt.refresh_from_db()
    return receipt


def _by_token(token: str) -> Receipt:
    receipt = (Receipt.objects.select_for_update(of=("self",)).select_related("notice")
               .filter(token=str(token)[:24]).first())
    if receipt is None or receipt.token_expires_at <= timezone.now():
        raise DomainError(_("This link is unknown or has expired. Call the duty desk."), status=404)
    return receipt


def _confirm_person(receipt: Receipt, *, how: str) -> None:
    """Confirm one person: every receipt of theirs in this notice (any channel, any round)."""
    now = timezone.now()
    same = Receipt.objects.select_for_update(of=("self",)).filter(notice_id=receipt.notice_id)
    same = same.filter(contact_id=receipt.contact_id) if receipt.contact_id else same.filter(user_id=receipt.user_id)
    changed = False
    for row in same.order_by("id"):
        if row.state != ReceiptState.CONFIRMED:
            changed |= _move(row, ReceiptState.CONFIRMED, confirmed_at=now,
                             read_at=row.read_at or (now if row.pk == receipt.pk else None))
    if changed:
        registry.incident_timeline(
            incident_id=receipt.notice.incident_id, actor=None, kind="notice",
            text=_("%(name)s confirmed the notice “%(title)s” %(how)s.") % {
                "name": receipt.name, "title": receipt.notice.title, "how": how},
            data={"notice": receipt.notice_id, "receipt": receipt.pk})


# --- resending and chasing --------------------------------------------------------------------

@transaction.atomic
def notice_resend(*, actor, notice_id: int) -> list[Receipt]:
    """Send again, on the same channels, to everyone who has not confirmed (one click)."""
    require_role(actor, NOTICE_SENDERS, _("Only duty officers, dispatchers and commanders send notices."))
    notice = Notice.objects.select_for_update().filter(pk=notice_id).first()
    if notice is None:
        raise DomainError(_("Unknown notice."), status=404)
    people = _unconfirmed_people(notice)
    if not people:
        raise DomainError(_("Everyone has confirmed: there is nobody to send to again."), status=409)
    round_ = (notice.receipts.order_by("-round").values_list("round", flat=True).first() or 0) + 1
    receipts = _receipts_for(notice, people, list(notice.channels), round_=round_)
    if not receipts:
        raise DomainError(_("Nobody to send to again on this notice's channels."), status=409)
    _queue(receipts)
    registry.incident_timeline(incident_id=notice.incident_id, actor=actor, kind="notice",
                               text=_("Notice “%(title)s” sent again to %(n)s unconfirmed people.") % {
                                   "title": notice.title, "n": len(people)}, data={"notice": notice.pk})
    stream.publish(events.NOTICE_CREATED, notice, None)
    return receipts


def _unconfirmed_people(notice: Notice) -> list[dict]:
    confirmed, people = set(), {}
    for r in notice.receipts.select_related("contact").order_by("id"):
        key = ("c", r.contact_id) if r.contact_id else ("u", r.user_id)
        if r.state == ReceiptState.CONFIRMED:
            confirmed.add(key)
        people.setdefault(key, {"contact": r.contact, "user_id": r.user_id, "name": r.name,
                                "mobile": r.contact.mobile if r.contact else r.mobile,
                                "channels": set(), "receipts": []})
        people[key]["channels"].add(r.channel)
        people[key]["receipts"].append(r)
    return [p for k, p in people.items() if k not in confirmed and k[0] is not None]


@transaction.atomic
def notice_chase(*, notice_id: int, round: int) -> int:
    """Run at the confirmation deadline. For each person still unconfirmed: send by the next
    channel they have not had yet (app → SMS → voice); when none is left, notify their deputy,
    or else whoever the duty chief is now, and mark their receipts escalated. Each step goes on
    the incident's timeline. Returns how many people were chased."""
    notice = Notice.objects.select_for_update().filter(pk=notice_id).first()
    if notice is None or not notice.confirm_within_s:
        return 0
    # Lock every receipt this run may move before the first event: an event holds the stream's
    # advisory lock until commit, and a delivery report that holds a receipt while it waits for
    # that lock would otherwise deadlock with us (seen with the real worker and gateway).
    list(Receipt.objects.select_for_update(of=("self",)).filter(notice=notice).order_by("pk").values_list("pk", flat=True))
    people = _unconfirmed_people(notice)
    chased = 0
    new: list[Receipt] = []
    steps = []
    for person in people:
        if all(r.state == ReceiptState.ESCALATED for r in person["receipts"]):
            continue
        reach = {"user_id": person["user_id"], "mobile": person["mobile"]}
        following = [c for c in CHANNEL_ORDER if c not in person["channels"]
                     and channels.adapter(c).configured() and channels.adapter(c).can_reach(**reach)]
        last = person["receipts"][-1]
        if following:
            made = _receipts_for(notice, [person], [following[0]], round_=round, chased_from=last)
            new += made
            steps.append(_("%(name)s has not confirmed: sent again by %(channel)s.") % {
                "name": person["name"], "channel": following[0]})
        else:
            deputy = person["contact"].deputy if person["contact"] and person["contact"].deputy_id else None
            backups = [deputy] if deputy and deputy.active else _duty_chief()
            backup_people = [p for p in resolve_people(contacts=[b.pk for b in backups if isinstance(b, Contact)],
                                                       users=[b.pk for b in backups if not isinstance(b, Contact)])
                             ] if backups else []
            for receipt in person["receipts"]:
                if receipt.state not in (ReceiptState.CONFIRMED, ReceiptState.ESCALATED):
                    _move(receipt, ReceiptState.ESCALATED, escalated_at=timezone.now())
            for backup in backup_people:
                chase_title = _("%(name)s has not confirmed: %(title)s") % {"name": person["name"], "title": notice.title}
                for channel in [c for c in CHANNEL_ORDER if channels.adapter(c).configured()]:
                    if channels.adapter(channel).can_reach(user_id=backup["user_id"], mobile=backup["mobile"]):
                        receipt = _receipts_for(notice, [backup], [channel], round_=round, chased_from=last)[0]
                        receipt.text = (texts.sms_text(title=chase_title, body=notice.body, drill=notice.drill,
                                                       token=receipt.token) if channel != "app" else
                                        texts.app_text(title=chase_title, body=notice.body, drill=notice.drill))
                        new.append(receipt)
            who = ", ".join(b["name"] for b in backup_people) or _("nobody (no deputy, no duty chief on duty)")
            steps.append(_("%(name)s has not confirmed on any channel: escalated to %(who)s.") % {
                "name": person["name"], "who": who})
        chased += 1
    if new:
        _queue(new)
    for text in steps:
        registry.incident_timeline(incident_id=notice.incident_id, actor=None, kind="notice_chase", text=text,
                                   data={"notice": notice.pk, "round": round})
    if new and round < settings.NOTICE_CHASE_MAX_ROUNDS:
        chase_notice.configure(schedule_in={"seconds": notice.confirm_within_s}).defer(notice_id=notice.pk,
                                                                                      round=round + 1)
    return chased


def _duty_chief() -> list:
    kind = registry.recipient_kinds().get("duty_chief")
    return list(kind.resolve(None)) if kind else []


# --- helpers ------------------------------------------------------------------------------------

def _clean(value, label, limit: int, *, required: bool = False) -> str:
    text = "" if value is None else str(value)
    if "\x00" in text or any(0xD800 <= ord(ch) <= 0xDFFF for ch in text):
        raise DomainError(_("%(field)s contains characters that cannot be stored.") % {"field": label})
    text = text.strip()
    if required and not text:
        raise DomainError(_("%(field)s is required.") % {"field": label})
    if len(text) > limit:
        raise DomainError(_("%(field)s is too long: at most %(n)s characters.") % {"field": label, "n": limit})
    return text


def _ids(values, label: str) -> list[int]:
    out = []
    for value in values or ():
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**31:
            raise DomainError(_("%(field)s must be a list of ids.") % {"field": label})
        out.append(value)
    return list(dict.fromkeys(out))


def _channels(values) -> list[str]:
    wanted = list(dict.fromkeys(values or ()))
    if not wanted:
        raise DomainError(_("Choose at least one channel: app, sms or voice."))
    for name in wanted:
        if name not in channels.ADAPTERS:
            raise DomainError(_("Unknown channel %(name)s: use app, sms or voice.") % {"name": str(name)[:20]})
        if not channels.adapter(name).configured():
            raise DomainError(_("The %(name)s channel is not configured on this system.") % {"name": name})
    return wanted


# --- durable jobs (procrastinate) ----------------------------------------------------------------
# Declared beside the services they run; notices.tasks re-exports them for procrastinate.

@jobs.task(name="notices.send_receipt", queue="notices",
           retry=RetryStrategy(max_attempts=None, wait=settings.SMS_RETRY_S,
                               retry_exceptions=[channels.TemporaryFailure]))
def send_receipt(receipt_id: int) -> None:
    receipt_send(receipt_id=receipt_id)


@jobs.task(name="notices.chase", queue="notices", retry=TRANSIENT_DATABASE_ERRORS)
def chase_notice(notice_id: int, round: int) -> None:
    notice_chase(notice_id=notice_id, round=round)
