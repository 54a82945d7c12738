from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from incidents.models import SEVERITY_NUMERALS, Incident, Severity
from plans.models.plan import Action, Plan


class Activation(models.Model):
    """A commander's decision to run a plan on an incident (启动预案), at a level that may rise."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        ENDED = "ended", _("Ended")

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="plan_activations",
                                 verbose_name=_("incident"))
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="activations", verbose_name=_("plan"))
    level = models.CharField(_("level"), max_length=3, choices=Severity.choices)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.ACTIVE)
    activated_at = models.DateTimeField(_("activated at"), default=timezone.now)
    activated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("activated by"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("ended by"))
    end_reason = models.CharField(_("reason for ending"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-activated_at"]
        verbose_name = _("plan activation")
        verbose_name_plural = _("plan activations")
        constraints = [
            models.UniqueConstraint(fields=["incident", "plan"], condition=Q(status="active"),
                                    name="activation_one_active_per_incident_plan"),
            models.CheckConstraint(condition=Q(status="active") | ~Q(end_reason=""),
                                   name="activation_end_has_reason"),
        ]

    def __str__(self):
        return f"{self.plan.code} {self.numeral} → {self.incident.number}"

    @property
    def numeral(self) -> str:
        return SEVERITY_NUMERALS[self.level]


class Task(models.Model):
    """An action of an activated level, with a due time, on an incident."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        CLOSED = "closed", _("Closed")

    activation = models.ForeignKey(Activation, on_delete=models.CASCADE, related_name="tasks",
                                   verbose_name=_("activation"))
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="plan_tasks",
                                 verbose_name=_("incident"))
    action = models.ForeignKey(Action, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                               verbose_name=_("action"))
    level = models.CharField(_("level"), max_length=3, choices=Severity.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    # The same step listed under two levels is one task: raising the level never duplicates it.
    key = models.CharField(max_length=200, editable=False)
    title = models.CharField(_("title"), max_length=200)
    instructions = models.TextField(_("instructions"), blank=True)
    responsible = models.CharField(_("responsible"), max_length=300, blank=True)
    due_at = models.DateTimeField(_("due at"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN,
                              db_index=True)
    overdue_at = models.DateTimeField(_("flagged overdue at"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("done by"))
    closed_reason = models.CharField(_("reason for closing"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_at", "order", "id"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        constraints = [
            models.UniqueConstraint(fields=["activation", "key"], name="task_unique_per_activation"),
            models.CheckConstraint(condition=~Q(status="done") | Q(done_at__isnull=False, done_by__isnull=False),
                                   name="task_done_has_who_and_when"),
        ]

    def __str__(self):
        return self.title

    @property
    def numeral(self) -> str:
        return SEVERITY_NUMERALS[self.level]

    def is_overdue(self, now=None) -> bool:
        return self.status == self.Status.OPEN and (self.overdue_at is not None
                                                    or self.due_at < (now or timezone.now()))
