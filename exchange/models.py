"""The 双重预防 exchange (issue 25 point 8): what an enterprise's own dual-prevention system
sends the park, kept as the sender sent it, keyed by the sender's ids.

The national structure (危险化学品企业双重预防机制数字化建设数据交换规范 §3.1): enterprise →
risk analysis object (风险分析对象) → risk analysis unit (风险分析单元) → risk event (风险事件)
→ control measure (管控措施) → check task (隐患排查任务); hidden dangers (隐患) go to safety's
ledger (safety.HiddenDanger) and are only mapped here. Writes: exchange.services.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hazards.models import Enterprise


class Credential(models.Model):
    """An enterprise system's token: it sends for that enterprise only. The token is shown once;
    only its hash is kept. It acts as its own system account (an enterprise officer bound to the
    enterprise), so the ledger's services see an actor like any other."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="+",
                                   verbose_name=_("enterprise"))
    name = models.CharField(_("system name"), max_length=100)
    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("system account"))
    token_hash = models.CharField(max_length=64, unique=True, null=True, editable=False)  # noqa: DJ001
    prefix = models.CharField(_("token begins"), max_length=12, editable=False)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                  verbose_name=_("issued by"))
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        ordering = ["enterprise", "-issued_at"]
        verbose_name = _("exchange credential")
        verbose_name_plural = _("exchange credentials")

    def __str__(self):
        return f"{self.enterprise.code} {self.name} ({self.prefix}…)"


class Sync(models.Model):
    """Per enterprise: how its system's sending goes (last success, last error, counts)."""

    enterprise = models.OneToOneField(Enterprise, on_delete=models.CASCADE, related_name="+",
                                      verbose_name=_("enterprise"))
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    # The last batch: {kind: {"created", "updated", "unchanged", "deleted", "rejected"}}.
    last_counts = models.JSONField(_("last batch"), default=dict, blank=True)
    batches = models.PositiveIntegerField(_("batches received"), default=0)

    class Meta:
        ordering = ["enterprise"]
        verbose_name = _("exchange sync status")
        verbose_name_plural = _("exchange sync statuses")

    def __str__(self):
        return self.enterprise.code


class Item(models.Model):
    """Fields every exchanged record has: the sender's id (unique per enterprise and kind), the
    sender's deletion flag, and the item as received (for the sender's own later questions)."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="+",
                                   verbose_name=_("enterprise"))
    source_id = models.CharField(_("id in the sender's system"), max_length=64)
    deleted = models.BooleanField(_("deleted by the sender"), default=False)
    received = models.JSONField(_("as received"), default=dict)
    received_at = models.DateTimeField(_("received at"), auto_now=True)

    class Meta:
        abstract = True
        ordering = ["enterprise", "source_id"]

    def __str__(self):
        return f"{self.enterprise_id}:{self.source_id}"


class RiskObject(Item):
    """风险分析对象: a facility, part, place or area; a major hazard source where it is one."""

    code = models.CharField(_("code"), max_length=64, blank=True)
    name = models.CharField(_("name"), max_length=200)
    level = models.PositiveSmallIntegerField(_("risk level (1 重大 … 4 低)"), null=True, blank=True)
    department = models.CharField(_("responsible department"), max_length=100, blank=True)
    liable_person = models.CharField(_("responsible person"), max_length=100, blank=True)

    class Meta(Item.Meta):
        verbose_name = _("risk analysis object")
        verbose_name_plural = _("risk analysis objects")
        constraints = [models.UniqueConstraint(fields=["enterprise", "source_id"], name="exchange_object_once")]


class RiskUnit(Item):
    """风险分析单元 of an object."""

    risk_object = models.ForeignKey(RiskObject, on_delete=models.CASCADE, related_name="units",
                                    verbose_name=_("risk analysis object"))
    name = models.CharField(_("name"), max_length=200)
    department = models.CharField(_("responsible department"), max_length=100, blank=True)
    liable_person = models.CharField(_("responsible person"), max_length=100, blank=True)

    class Meta(Item.Meta):
        verbose_name = _("risk analysis unit")
        verbose_name_plural = _("risk analysis units")
        constraints = [models.UniqueConstraint(fields=["enterprise", "source_id"], name="exchange_unit_once")]


class RiskEvent(Item):
    """风险事件: what may happen in a unit."""

    unit = models.ForeignKey(RiskUnit, on_delete=models.CASCADE, related_name="events",
                             verbose_name=_("risk analysis unit"))
    name = models.CharField(_("name"), max_length=200)
    level = models.PositiveSmallIntegerField(_("risk level (1 重大 … 4 低)"), null=True, blank=True)

    class Meta(Item.Meta):
        verbose_name = _("risk event")
        verbose_name_plural = _("risk events")
        constraints = [models.UniqueConstraint(fields=["enterprise", "source_id"], name="exchange_event_once")]


class ControlMeasure(Item):
    """管控措施 against a risk event."""

    event = models.ForeignKey(RiskEvent, on_delete=models.CASCADE, related_name="measures",
                              verbose_name=_("risk event"))
    description = models.TextField(_("measure"))
    classify1 = models.CharField(_("class"), max_length=64, blank=True)
    classify2 = models.CharField(_("subclass"), max_length=64, blank=True)
    check_content = models.TextField(_("what a check looks at"), blank=True)

    class Meta(Item.Meta):
        verbose_name = _("control measure")
        verbose_name_plural = _("control measures")
        constraints = [models.UniqueConstraint(fields=["enterprise", "source_id"], name="exchange_measure_once")]


class CheckTask(Item):
    """隐患排查任务: who checks a measure, how often."""

    class Cycle(models.TextChoices):
        HOUR = "hour", _("hours")
        DAY = "day", _("days")
        WEEK = "week", _("weeks")
        MONTH = "month", _("months")
        YEAR = "year", _("years")

    measure = models.ForeignKey(ControlMeasure, on_delete=models.CASCADE, related_name="tasks",
                                verbose_name=_("control measure"))
    content = models.TextField(_("check content"))
    cycle = models.PositiveIntegerField(_("every"))
    cycle_unit = models.CharField(_("cycle unit"), max_length=8, choices=Cycle.choices)
    post = models.CharField(_("post"), max_length=100, blank=True)

    class Meta(Item.Meta):
        verbose_name = _("check task")
        verbose_name_plural = _("check tasks")
        constraints = [models.UniqueConstraint(fields=["enterprise", "source_id"], name="exchange_task_once")]


class HiddenDangerLink(Item):
    """A hidden danger the sender sent: which ledger row it is (safety.HiddenDanger, whose
    external_id is the sender's id), and the measure whose check found it, when named."""

    hidden_danger = models.OneToOneField("safety.HiddenDanger", on_delete=models.PROTECT, related_name="+",
                                         verbose_name=_("hidden danger"))
    measure = models.ForeignKey(ControlMeasure, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                verbose_name=_("control measure"))

    class Meta(Item.Meta):
        verbose_name = _("exchanged hidden danger")
        verbose_name_plural = _("exchanged hidden dangers")
        constraints = [models.UniqueConstraint(fields=["enterprise", "source_id"], name="exchange_danger_once")]
