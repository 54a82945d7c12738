"""Drills (应急演练, AQ/T 9007-2019) and their evaluation (AQ/T 9009-2015).

A planner writes a Scenario in the admin: the plan it rehearses and timed Injects. A Drill is
one run of a scenario; each inject becomes an InjectRun, fired by a durable job through the
same services a real event uses, marked as an exercise. Evaluators record Findings; a finding
may open a RevisionTask on the plan. Incident reports (初报/续报/终报) and their deadlines are
incidents' (incidents.models.IncidentReport, ReportRule).
"""

from django.conf import settings
from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from incidents.models import Incident, IncidentType, Severity


class Scenario(models.Model):
    class Kind(models.TextChoices):
        TABLETOP = "tabletop", _("Tabletop (桌面演练 / 沙盘推演)")
        LIVE = "live", _("Live (实战演练)")

    class Scope(models.TextChoices):
        SINGLE = "single", _("Single (单项演练)")
        COMBINED = "combined", _("Combined (综合演练)")

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.TABLETOP)
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices, default=Scope.SINGLE)
    plan = models.ForeignKey("plans.Plan", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("plan rehearsed"))
    enterprise = models.ForeignKey("hazards.Enterprise", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("enterprise"))
    objectives = models.TextField(_("objectives"), blank=True)
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("written by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["title"]
        verbose_name = _("drill scenario")
        verbose_name_plural = _("drill scenarios")

    def __str__(self):
        return self.title


class AlarmLevel(models.TextChoices):
    """The process alarm levels a drill may raise (monitoring.exercise.LEVELS)."""

    H = "h", _("High (H)")
    HH = "hh", _("High-high (HH)")
    L = "l", _("Low (L)")
    LL = "ll", _("Low-low (LL)")


class Inject(models.Model):
    """One timed event of a scenario (情景注入), played at T + offset through the real services."""

    class Kind(models.TextChoices):
        CALL = "call", _("Call: a new incident")
        FURTHER_CALL = "further_call", _("Further call on the drill's incident")
        ALARM = "alarm", _("Park alarm")
        RELEASE = "release", _("Toxic release")
        WIND_CHANGE = "wind_change", _("Wind change (re-model the release)")
        MESSAGE = "message", _("Message to the timeline")

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="injects",
                                 verbose_name=_("scenario"))
    offset_s = models.PositiveIntegerField(_("at T + seconds"), help_text=_("Seconds after the drill starts."))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200, blank=True)
    text = models.TextField(_("text"), blank=True)
    location = models.PointField(_("place"), srid=4326, geography=True, null=True, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    incident_type = models.ForeignKey(IncidentType, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="+", verbose_name=_("incident type"))
    severity = models.CharField(_("severity"), max_length=3, choices=Severity.choices, blank=True)
    caller_name = models.CharField(_("caller name"), max_length=100, blank=True)
    caller_phone = models.CharField(_("caller phone"), max_length=32, blank=True)
    # An alarm inject raises a real exercise alarm on this point (monitoring.exercise); SET_NULL
    # so a point can still be deleted: the inject then fails with the reason when played.
    point = models.ForeignKey("monitoring.MonitoringPoint", on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("monitoring point"))
    level = models.CharField(_("alarm level"), max_length=2, choices=AlarmLevel.choices, blank=True)
    value = models.FloatField(_("reading"), null=True, blank=True,
                              help_text=_("For an alarm: the value shown; empty takes the point's limit."))
    chemical_cas = models.CharField(_("chemical CAS number"), max_length=20, blank=True)
    rate_kg_s = models.FloatField(_("release rate (kg/s)"), null=True, blank=True)
    wind_speed_ms = models.FloatField(_("wind speed (m/s)"), null=True, blank=True)
    wind_from_deg = models.FloatField(_("wind from (°)"), null=True, blank=True)
    stability = models.CharField(_("stability class"), max_length=1, blank=True)

    class Meta:
        ordering = ["offset_s", "id"]
        verbose_name = _("inject")
        verbose_name_plural = _("injects")

    def __str__(self):
        return f"T+{self.offset_s // 60}:{self.offset_s % 60:02d} {self.get_kind_display()} {self.title}".strip()

    # The fields each kind needs; clean() names the missing ones.
    REQUIRED = {
        Kind.CALL: ("location", "incident_type", "severity"),
        Kind.FURTHER_CALL: (),
        Kind.ALARM: ("point", "level"),
        Kind.RELEASE: ("chemical_cas", "rate_kg_s", "wind_speed_ms", "wind_from_deg", "stability"),
        Kind.WIND_CHANGE: ("wind_speed_ms", "wind_from_deg"),
        Kind.MESSAGE: ("text",),
    }

    def clean(self):
        missing = [f for f in self.REQUIRED.get(self.kind, ()) if getattr(self, f) in (None, "")]
        if missing:
            raise ValidationError({f: _("A %(kind)s inject needs this.") % {"kind": self.get_kind_display()}
                                   for f in missing})
        if self.stability and self.stability not in "ABCDEF":
            raise ValidationError({"stability": _("Stability class must be one of A to F.")})


class Drill(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        RUNNING = "running", _("Running")
        ENDED = "ended", _("Ended")

    scenario = models.ForeignKey(Scenario, on_delete=models.PROTECT, related_name="drills",
                                 verbose_name=_("scenario"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PLANNED,
                              db_index=True)
    # Tabletop drills may run faster than real time: T + 120 s plays after 120 / speed seconds.
    speed = models.PositiveSmallIntegerField(_("speed (× real time)"), default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("planned by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("director"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("ended by"))
    incidents = models.ManyToManyField(Incident, blank=True, related_name="drills", verbose_name=_("incidents"))
    releases = models.ManyToManyField("hazards.Release", blank=True, related_name="drills",
                                      verbose_name=_("releases"))
    alarms = models.ManyToManyField("monitoring.Alarm", blank=True, related_name="drills",
                                    verbose_name=_("exercise alarms"))
    summary = models.TextField(_("evaluation summary"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("drill")
        verbose_name_plural = _("drills")
        constraints = [
            models.CheckConstraint(condition=Q(speed__gte=1, speed__lte=60), name="drill_speed_1_to_60"),
            models.CheckConstraint(
                condition=Q(status="planned") | Q(started_at__isnull=False, started_by__isnull=False),
                name="drill_started_has_who_and_when"),
            models.CheckConstraint(condition=~Q(status="ended") | Q(ended_at__isnull=False),
                                   name="drill_ended_has_when"),
        ]

    def __str__(self):
        return f"{self.scenario.title} #{self.pk}"

    def at(self, offset_s: int):
        """When an inject at T + offset_s is due in this drill."""
        return self.started_at + timezone.timedelta(seconds=offset_s / self.speed)

    @property
    def primary_incident(self) -> Incident | None:
        return self.incidents.order_by("reported_at", "id").first()


class InjectRun(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        FIRED = "fired", _("Played")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Not played (drill ended)")

    drill = models.ForeignKey(Drill, on_delete=models.CASCADE, related_name="runs", verbose_name=_("drill"))
    inject = models.ForeignKey(Inject, on_delete=models.PROTECT, related_name="+", verbose_name=_("inject"))
    due_at = models.DateTimeField(_("due at"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    fired_at = models.DateTimeField(_("played at"), null=True, blank=True)
    result = models.TextField(_("result"), blank=True)
    incident = models.ForeignKey(Incident, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                 verbose_name=_("incident"))

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("played inject")
        verbose_name_plural = _("played injects")
        constraints = [models.UniqueConstraint(fields=["drill", "inject"], name="inject_run_once_per_drill")]

    def __str__(self):
        return f"{self.drill} · {self.inject}"


class Finding(models.Model):
    """An evaluator's finding (AQ/T 9009-2015: 不足项 / 整改项 / 改进项)."""

    class Category(models.TextChoices):
        DEFICIENCY = "deficiency", _("Deficiency (不足项)")
        CORRECTIVE = "corrective", _("To be corrected (整改项)")
        IMPROVEMENT = "improvement", _("Improvement (改进项)")
        STRENGTH = "strength", _("Done well (亮点)")

    class Element(models.TextChoices):
        # The elements AQ/T 9009-2015 evaluates a drill on (演练评估内容).
        PLAN = "plan", _("Plan and its content (预案)")
        PREPARATION = "preparation", _("Preparation (演练准备)")
        ALERTING = "alerting", _("Warning and alerting (预警与信息报告)")
        COMMAND = "command", _("Command and coordination (指挥与协调)")
        RESPONSE = "response", _("Response actions (应急处置)")
        RESOURCES = "resources", _("Resources and support (应急保障)")
        PUBLIC = "public", _("Public information and evacuation (信息发布与疏散)")
        OTHER = "other", _("Other (其他)")

    drill = models.ForeignKey(Drill, on_delete=models.CASCADE, null=True, blank=True, related_name="findings",
                              verbose_name=_("drill"))
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="findings", verbose_name=_("incident"))
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    element = models.CharField(_("element"), max_length=12, choices=Element.choices, default=Element.OTHER)
    text = models.TextField(_("finding"))
    recommendation = models.TextField(_("recommendation"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("evaluator"))
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        constraints = [models.CheckConstraint(condition=Q(drill__isnull=False) | Q(incident__isnull=False),
                                              name="finding_on_drill_or_incident")]

    def __str__(self):
        return f"{self.get_category_display()}: {self.text[:60]}"


class RevisionTask(models.Model):
    """A change a plan needs, opened from a finding (预案修订)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")

    plan = models.ForeignKey("plans.Plan", on_delete=models.PROTECT, related_name="+", verbose_name=_("plan"))
    finding = models.OneToOneField(Finding, on_delete=models.PROTECT, related_name="revision_task",
                                   verbose_name=_("finding"))
    title = models.CharField(_("title"), max_length=200)
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=6, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("opened by"))
    created_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["status", "due_on"]
        verbose_name = _("plan revision task")
        verbose_name_plural = _("plan revision tasks")

    def __str__(self):
        return self.title

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.OPEN and self.due_on < timezone.localdate()


class OverdueDrill(models.Model):
    """A plan (per enterprise) whose periodic drill fell due and was not held: flagged once.

    Written by the durable job drills.flag_overdue_drills (drills.services.drills_flag_overdue)
    when the due day has passed; the unique key makes the flag and its `drill.overdue` event
    happen once per due date, however often or on however many workers the job runs. A drill
    held later moves the due date on: the next lapse is flagged again.
    """

    plan = models.ForeignKey("plans.Plan", on_delete=models.CASCADE, related_name="+", verbose_name=_("plan"))
    enterprise = models.ForeignKey("hazards.Enterprise", on_delete=models.CASCADE, null=True, blank=True,
                                   related_name="+", verbose_name=_("enterprise"))
    due_on = models.DateField(_("drill due on"))
    last_drill = models.DateTimeField(_("last drill ended at"), null=True, blank=True)
    flagged_at = models.DateTimeField(_("flagged at"), default=timezone.now)
    # Set when a drill of the plan ends after the flag: the console banner then drops it.
    held_at = models.DateTimeField(_("drill held at"), null=True, blank=True)

    class Meta:
        ordering = ["-due_on", "plan"]
        verbose_name = _("overdue drill")
        verbose_name_plural = _("overdue drills")
        constraints = [models.UniqueConstraint(fields=["plan", "enterprise", "due_on"], nulls_distinct=False,
                                               name="overdue_drill_once_per_due_date")]

    def __str__(self):
        return f"{self.plan} · {self.enterprise or '—'} · {self.due_on:%Y-%m-%d}"
