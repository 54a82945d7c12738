from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils.translation import gettext_lazy as _


class Event(models.Model):
    """One entry of the durable event log: the truth behind every live push.

    `seq` is allocated in commit order (see stream.emit), so a client that has
    applied seq N can resume with `seq > N` and miss nothing.
    """

    seq = models.BigAutoField(primary_key=True)
    audiences = ArrayField(models.CharField(max_length=64), verbose_name=_("audiences"))
    type = models.CharField(_("type"), max_length=64)
    payload = models.JSONField(_("payload"), default=dict)
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["seq"]
        indexes = [GinIndex(fields=["audiences"], name="event_audiences_gin")]
        verbose_name = _("event")
        verbose_name_plural = _("events")

    def __str__(self):
        return f"#{self.seq} {self.type}"

    def as_frame(self) -> dict:
        return {"seq": self.seq, "type": self.type, "payload": self.payload, "at": self.at.isoformat()}


class IdempotencyRecord(models.Model):
    """A write already answered, kept so that a retry with the same key gets the same answer
    instead of doing the write again (core.idempotency). Written in the write's own transaction."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user"))
    key = models.CharField(_("key"), max_length=255)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    status = models.PositiveSmallIntegerField(_("status"))
    content_type = models.CharField(_("content type"), max_length=200, blank=True)
    location = models.CharField(_("location"), max_length=2000, blank=True)
    body = models.BinaryField(_("body"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_unique")]
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")

    def __str__(self):
        return f"{self.user_id}:{self.key}"


class StreamRestore(models.Model):
    """The database was restored from a backup (issue 26): the event log now ends at
    `after_seq`, and the seqs above it that the lost history had handed out to clients can
    never be trusted again. The sequence was moved on to `resume_seq`, so new events are
    numbered above anything a client may hold; a client resuming with a `since` in
    (after_seq, resume_seq] is told to reload (4400) instead of being left silent
    (stream.restore_continue, stream.consumer)."""

    after_seq = models.BigIntegerField(_("last seq kept by the restore"))
    resume_seq = models.BigIntegerField(_("seq the log resumed after"))
    restored_at = models.DateTimeField(_("marked at"), auto_now_add=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-resume_seq"]
        verbose_name = _("restore of the event log")
        verbose_name_plural = _("restores of the event log")

    def __str__(self):
        return f"({self.after_seq}, {self.resume_seq}]"
