"""Safety administration of the park (安全基础管理, 化工园区安全风险智能化管控平台建设指南
四(一)): the enterprises' licences (安全生产行政许可), the 包保 persons' recorded checks
(包保责任落实) and the safety assessments of major hazard sources (安全评价/评估).

Writes go through oversight.services; rhythms are data in oversight.rules.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from hazards.models import Enterprise, RiskSource


class Licence(models.Model):
    class Kind(models.TextChoices):
        SAFETY_PRODUCTION = "safety_production", _("Safety production licence (安全生产许可证)")
        HAZCHEM_OPERATION = "hazchem_operation", _("Hazardous chemicals operation licence (危险化学品经营许可证)")
        HAZCHEM_USE = "hazchem_use", _("Hazardous chemicals safe-use licence (危险化学品安全使用许可证)")
        HAZCHEM_REGISTRATION = "hazchem_registration", _("Hazardous chemical registration (危险化学品登记证)")
        OTHER = "other", _("Other administrative licence (其他行政许可)")

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="licences",
                                   verbose_name=_("enterprise"))
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    number = models.CharField(_("licence number"), max_length=64)
    scope = models.TextField(_("licensed scope"), blank=True)
    issuer = models.CharField(_("issued by"), max_length=100, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    # Reminders already sent (days before expiry, e.g. [90, 30]) and whether the lapse was told:
    # the daily job tells each once, however often it runs.
    reminded = models.JSONField(_("reminders sent"), default=list, blank=True)
    lapse_told = models.BooleanField(_("lapse reported"), default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("recorded by"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["valid_to", "enterprise", "kind"]
        verbose_name = _("licence")
        verbose_name_plural = _("licences")
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "kind", "number"], name="oversight_licence_unique"),
            models.CheckConstraint(condition=Q(valid_to__gte=F("valid_from")), name="oversight_licence_window"),
        ]

    def __str__(self):
        return f"{self.enterprise.code} {self.get_kind_display()} {self.number}"


class DutyCheck(models.Model):
    """One check a 包保 person made of their major hazard source (办法 Art. 4–6)."""

    class Role(models.TextChoices):
        PRINCIPAL = "principal", _("Principal (主要负责人)")
        TECHNICAL = "technical", _("Technical lead (技术负责人)")
        OPERATIONAL = "operational", _("Operational lead (操作负责人)")

    risk_source = models.ForeignKey(RiskSource, on_delete=models.CASCADE, related_name="duty_checks",
                                    verbose_name=_("risk source"))
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    person = models.CharField(_("person"), max_length=100)
    at = models.DateTimeField(_("checked at"))
    findings = models.TextField(_("findings"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-at"]
        verbose_name = _("包保 duty check")
        verbose_name_plural = _("包保 duty checks")
        indexes = [models.Index(fields=["risk_source", "role", "-at"], name="oversight_duty_last")]

    def __str__(self):
        return f"{self.risk_source.code} {self.get_role_display()} {self.at:%Y-%m-%d}"


class Evaluation(models.Model):
    """A safety assessment (安全评估) or evaluation (安全评价) report of a major hazard source."""

    class Kind(models.TextChoices):
        ASSESSMENT = "assessment", _("Major hazard source safety assessment (重大危险源安全评估)")
        STATUS_EVALUATION = "status_evaluation", _("Safety status evaluation (安全现状评价)")

    risk_source = models.ForeignKey(RiskSource, on_delete=models.CASCADE, related_name="evaluations",
                                    verbose_name=_("risk source"))
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices, default=Kind.ASSESSMENT)
    agency = models.CharField(_("agency"), max_length=200)
    report_number = models.CharField(_("report number"), max_length=64, blank=True)
    completed_on = models.DateField(_("completed on"))
    conclusion = models.TextField(_("conclusion"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-completed_on"]
        verbose_name = _("safety evaluation report")
        verbose_name_plural = _("safety evaluation reports")

    def __str__(self):
        return f"{self.risk_source.code} {self.get_kind_display()} {self.completed_on}"


class Turnaround(models.Model):
    """A planned start-up, shutdown or turnaround (装置开停车和大检修) an enterprise reports to the
    park: the riskiest days of a plant's year, when permits pile up and alarms are expected."""

    class Kind(models.TextChoices):
        START_UP = "start_up", _("Start-up (开车)")
        SHUTDOWN = "shutdown", _("Shutdown (停车)")
        OVERHAUL = "overhaul", _("Turnaround (大检修)")

    class State(models.TextChoices):
        REPORTED = "reported", _("Reported")
        CANCELLED = "cancelled", _("Cancelled")

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="turnarounds",
                                   verbose_name=_("enterprise"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    units = models.JSONField(_("units (装置)"), default=list)
    risk_sources = models.ManyToManyField(RiskSource, blank=True, related_name="turnarounds",
                                          verbose_name=_("risk sources"))
    planned_from = models.DateTimeField(_("planned from"))
    planned_to = models.DateTimeField(_("planned to"))
    measures = models.TextField(_("safety measures"))
    approver = models.CharField(_("approved by (enterprise)"), max_length=100)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.REPORTED)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("reported by"))
    reported_at = models.DateTimeField(_("reported at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["planned_from"]
        verbose_name = _("start-up, shutdown or turnaround")
        verbose_name_plural = _("start-ups, shutdowns and turnarounds")
        constraints = [
            models.CheckConstraint(condition=Q(planned_to__gt=F("planned_from")), name="oversight_turnaround_window"),
        ]

    def __str__(self):
        return f"{self.enterprise.code} {self.get_kind_display()} {self.planned_from:%Y-%m-%d}"


class Inspection(models.Model):
    """A law-enforcement inspection (执法检查) of an enterprise by at least two inspectors, often
    from a random draw (双随机), with its findings, the order to rectify within a time limit
    (责令限期整改指令书) and the follow-up (复查)."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="inspections",
                                   verbose_name=_("enterprise"))
    draw = models.ForeignKey("safety.InspectionDraw", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", verbose_name=_("inspection draw"))
    inspectors = models.JSONField(_("inspectors"), default=list)
    at = models.DateTimeField(_("inspected at"))
    summary = models.TextField(_("summary"), blank=True)
    order_number = models.CharField(_("order number"), max_length=40, unique=True, null=True, blank=True)
    order_deadline = models.DateTimeField(_("rectify by"), null=True, blank=True)
    followed_up_at = models.DateTimeField(_("followed up at"), null=True, blank=True)
    follow_up_note = models.TextField(_("follow-up"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("recorded by"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["-at"]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")

    def __str__(self):
        return f"{self.enterprise.code} {self.at:%Y-%m-%d}"


class Finding(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="findings",
                                   verbose_name=_("inspection"))
    text = models.TextField(_("finding"))
    hidden_danger = models.OneToOneField("safety.HiddenDanger", on_delete=models.PROTECT, related_name="+",
                                         verbose_name=_("hidden danger"))

    class Meta:
        ordering = ["pk"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")

    def __str__(self):
        return self.text[:60]


class RedFinding(models.Model):
    """A finding of one of the national scheme's outright-red conditions that no other record
    shows (应急〔2018〕19号: an untested new process in production, an installation without proper
    design or design diagnosis, special-work operators without valid certificates), recorded by
    the park after a check; open until the park records it resolved. Each condition is a colour
    input (safety.colour_inputs.NATIONAL_RED_CONDITIONS)."""

    class Condition(models.TextChoices):
        UNTESTED_PROCESS = "untested_process", _("New process in production without pilot tests (未经小试、中试和工业化试验)")
        UNDESIGNED_INSTALLATION = "undesigned_installation", _(
            "Installation without proper design or safety design diagnosis (未经正规设计且未进行安全设计诊断)")
        UNQUALIFIED_OPERATORS = "unqualified_operators", _(
            "Special-work operators without valid certificates (特种作业人员未持有效资格证上岗)")

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="red_findings",
                                   verbose_name=_("enterprise"))
    condition = models.CharField(_("condition"), max_length=32, choices=Condition.choices)
    found_on = models.DateField(_("found on"))
    note = models.TextField(_("what was found"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("recorded by"))
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    resolution = models.TextField(_("how it was resolved"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-found_on", "-id"]
        verbose_name = _("outright-red finding")
        verbose_name_plural = _("outright-red findings")

    def __str__(self):
        return f"{self.enterprise.code} {self.get_condition_display()} {self.found_on}"
