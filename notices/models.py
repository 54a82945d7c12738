"""Contacts (通讯录), groups, notices (通知) and receipts: one per recipient and channel.

notices sits just above core, so it references no higher app's table: a notice's incident is a
plain id (incidents registers the check and the timeline writer, notices.registry), and who is
on duty or in a unit's crew is resolved by the apps that know (notices.registry)."""

import secrets

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ContactGroup(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    description = models.TextField(_("description"), blank=True)
    # Public warnings of these levels (alerts: "orange", "red") are sent to this group when issued.
    warning_levels = ArrayField(models.CharField(max_length=10), verbose_name=_("warning levels it receives"),
                                blank=True, default=list,
                                help_text=_("Comma-separated: orange, red. Issued warnings of these levels "
                                            "are sent to the group."))

    class Meta:
        ordering = ["name"]
        verbose_name = _("contact group")
        verbose_name_plural = _("contact groups")

    def __str__(self):
        return self.name


class Contact(models.Model):
    """A person the centre must be able to reach, inside the system (`user`) or not."""

    name = models.CharField(_("name"), max_length=120)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    position = models.CharField(_("position"), max_length=120, blank=True)
    # E.164 ('+8613800000001'), validated by notices.phones; empty for an app-only contact.
    mobile = models.CharField(_("mobile"), max_length=16, blank=True)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="contact", verbose_name=_("user"))
    deputy = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                               verbose_name=_("deputy"),
                               help_text=_("Notified when this person does not confirm in time."))
    groups = models.ManyToManyField(ContactGroup, blank=True, related_name="members", verbose_name=_("groups"))
    active = models.BooleanField(_("active"), default=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            # A reply is matched to its sender by number: one contact per number.
            models.UniqueConstraint(fields=["mobile"], condition=~Q(mobile=""), name="notices_contact_mobile_once"),
        ]

    def __str__(self):
        return f"{self.name} ({self.organisation})" if self.organisation else self.name


class Channel(models.TextChoices):
    APP = "app", pgettext_lazy("notice channel", "App")
    SMS = "sms", pgettext_lazy("notice channel", "SMS")
    VOICE = "voice", pgettext_lazy("notice channel", "Voice call")


# The order in which the unconfirmed are chased (DOMAIN: Reaching people).
CHANNEL_ORDER = [Channel.APP, Channel.SMS, Channel.VOICE]


class Notice(models.Model):
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    # incidents.Incident's id: notices sits below incidents (docs/architecture.md).
    incident_id = models.BigIntegerField(_("incident"), null=True, blank=True, db_index=True)
    channels = ArrayField(models.CharField(max_length=8, choices=Channel.choices), verbose_name=_("channels"))
    confirm_within_s = models.PositiveIntegerField(_("confirm within (s)"), null=True, blank=True)
    drill = models.BooleanField(_("drill"), default=False)
    # What raised it: "manual", or the flow ("assignment.escalated", "alarm.hh", "plan.activated" ...).
    source = models.CharField(_("source"), max_length=60, default="manual")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("sent by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")

    def __str__(self):
        return self.title


class ReceiptState(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("receipt state", "Queued")
    SENT = "sent", pgettext_lazy("receipt state", "Sent")
    DELIVERED = "delivered", pgettext_lazy("receipt state", "Delivered")
    READ = "read", pgettext_lazy("receipt state", "Read")
    CONFIRMED = "confirmed", pgettext_lazy("receipt state", "Confirmed")
    FAILED = "failed", pgettext_lazy("receipt state", "Failed")
    ESCALATED = "escalated", pgettext_lazy("receipt state", "Escalated")


# A receipt only moves forward; a late or repeated report never moves it back.
STATE_RANK = {"queued": 0, "sent": 1, "delivered": 2, "read": 3, "failed": 3, "confirmed": 5, "escalated": 4}


def new_token() -> str:
    return secrets.token_urlsafe(9)  # 12 characters, 72 random bits: short enough for an SMS


class Receipt(models.Model):
    """One recipient on one channel: what was sent, and how far it got."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="receipts", verbose_name=_("notice"))
    contact = models.ForeignKey(Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="receipts",
                                verbose_name=_("contact"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+", verbose_name=_("user"))
    name = models.CharField(_("name"), max_length=120)
    mobile = models.CharField(_("mobile"), max_length=16, blank=True)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    state = models.CharField(_("state"), max_length=10, choices=ReceiptState.choices, default=ReceiptState.QUEUED,
                             db_index=True)
    text = models.TextField(_("text sent"), blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    # The person's link /n/<token>: opens this notice for them only, until it expires.
    token = models.CharField(max_length=24, unique=True, default=new_token)
    token_expires_at = models.DateTimeField(_("link expires at"))
    # 0: first sending; 1, 2 ...: sent again by the next channel, or to a deputy (chasing).
    round = models.PositiveSmallIntegerField(_("round"), default=0)
    chased_from = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                    verbose_name=_("chasing"))
    send_after = models.DateTimeField(_("send after"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["notice", "id"]
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        indexes = [models.Index(fields=["mobile", "channel", "state"], name="notices_receipt_mobile")]

    def __str__(self):
        return f"{self.name} · {self.get_channel_display()} · {self.get_state_display()}"


class GatewayReport(models.Model):
    """A delivery report or reply from the SMS gateway, kept once (a repeat is recognised by
    `key`), whatever it matched: replies from unknown numbers and other text are shown on the
    console, not dropped."""

    class Kind(models.TextChoices):
        DLR = "dlr", _("Delivery report")
        REPLY = "reply", _("Reply")

    class Outcome(models.TextChoices):
        APPLIED = "applied", _("Applied")
        CONFIRMED = "confirmed", _("Confirmed a notice")
        UNKNOWN_NUMBER = "unknown_number", _("Unknown number")
        OTHER_TEXT = "other_text", _("Other text")
        NOTHING_OPEN = "nothing_open", _("No open notice")

    key = models.CharField(max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    sender = models.CharField(_("from"), max_length=32, blank=True)
    text = models.TextField(_("text"), blank=True)
    receipt = models.ForeignKey(Receipt, on_delete=models.SET_NULL, null=True, blank=True, related_name="reports",
                                verbose_name=_("receipt"))
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("gateway report")
        verbose_name_plural = _("gateway reports")

    def __str__(self):
        return f"{self.get_kind_display()} {self.received_at:%Y-%m-%d %H:%M:%S}"


class SmsPacer(models.Model):
    """One row: the next free sending slot, so every notice together keeps the configured rate."""

    next_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"next SMS slot {self.next_at}"
