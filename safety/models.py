"""The park's safety ledger (一盘帐) around hazards.Enterprise: who works for which enterprise,
the 包保 persons of each major hazard source, safety managers and their certificates, risk
points (双重预防: 风险分级管控), hidden dangers (隐患排查治理), special-work permits
(GB 30871-2022), daily safety commitments (安全承诺) and the enterprise's colour with its history.

Workflows live in safety.services; rules in safety.rules.
"""

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from hazards.models import Enterprise, RiskSource
from safety import rules
from safety.storage import private_storage

COLOUR_CHOICES = [(c, rules.COLOUR_LABELS[c]) for c in ("red", "orange", "yellow", "blue")]


class EnterpriseMembership(models.Model):
    """Binds an enterprise safety officer (企业安全员) to the one enterprise whose records they keep."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="safety_membership",
                                verbose_name=_("user"))
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="safety_members",
                                   verbose_name=_("enterprise"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("enterprise membership")
        verbose_name_plural = _("enterprise memberships")

    def __str__(self):
        return f"{self.user} → {self.enterprise}"


class ResponsiblePerson(models.Model):
    """包保责任人 of a major hazard source (危险化学品企业重大危险源安全包保责任制办法, 2021)."""

    class Role(models.TextChoices):
        MAIN = "main", _("Principal (主要负责人)")
        TECHNICAL = "technical", _("Technical (技术负责人)")
        OPERATIONAL = "operational", _("Operational (操作负责人)")

    risk_source = models.ForeignKey(RiskSource, on_delete=models.CASCADE, related_name="responsible_persons",
                                    verbose_name=_("risk source"))
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(pgettext_lazy("job title", "position"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["risk_source", "role"]
        verbose_name = _("responsible person (包保)")
        verbose_name_plural = _("responsible persons (包保)")
        constraints = [models.UniqueConstraint(fields=["risk_source", "role"], name="one_responsible_per_role")]

    def __str__(self):
        return f"{self.get_role_display()}: {self.name}"


class SafetyManager(models.Model):
    """A safety manager (安全管理人员) of an enterprise."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="safety_managers",
                                   verbose_name=_("enterprise"))
    name = models.CharField(_("name"), max_length=100)
    position = models.CharField(pgettext_lazy("job title", "position"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    full_time = models.BooleanField(_("full-time"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["enterprise", "name"]
        verbose_name = _("safety manager")
        verbose_name_plural = _("safety managers")

    def __str__(self):
        return self.name


class Certificate(models.Model):
    """A qualification certificate with its expiry (主要负责人/安全管理人员考核合格证, 特种作业操作证 …)."""

    manager = models.ForeignKey(SafetyManager, on_delete=models.CASCADE, related_name="certificates",
                                verbose_name=_("safety manager"))
    kind = models.CharField(_("kind"), max_length=100)
    number = models.CharField(_("number"), max_length=64, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), db_index=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["expires_on"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")

    def __str__(self):
        return f"{self.kind} {self.number}".strip()

    @property
    def expired(self) -> bool:
        return self.expires_on < timezone.localdate()


class RiskPoint(models.Model):
    """A risk point (风险点) assessed by LEC or LS; score and colour follow from the factors."""

    class Method(models.TextChoices):
        LEC = "LEC", "LEC (D = L·E·C)"
        LS = "LS", "LS (R = L·S)"

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="risk_points",
                                   verbose_name=_("enterprise"))
    name = models.CharField(_("name"), max_length=200)
    location = models.PointField(_("location"), srid=4326, geography=True)
    method = models.CharField(_("method"), max_length=3, choices=Method.choices)
    likelihood = models.FloatField(_("L (likelihood)"))
    exposure = models.FloatField(_("E (exposure)"), null=True, blank=True)
    consequence = models.FloatField(_("C (consequence)"), null=True, blank=True)
    severity = models.FloatField(_("S (severity)"), null=True, blank=True)
    score = models.FloatField(_("score"), editable=False)
    colour = models.CharField(_("colour"), max_length=8, choices=COLOUR_CHOICES, editable=False, db_index=True)
    controls = models.TextField(_("control measures"), blank=True)
    assessed_at = models.DateTimeField(_("assessed at"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["enterprise", "-score"]
        verbose_name = _("risk point")
        verbose_name_plural = _("risk points")

    def __str__(self):
        return self.name


class HiddenDanger(models.Model):
    """A hidden danger (隐患) from report to closing (销号); safety.rules.HIDDEN_DANGER_STEPS."""

    class Level(models.TextChoices):
        GENERAL = "general", _("General (一般)")
        MAJOR = "major", _("Major (重大)")

    class State(models.TextChoices):
        REPORTED = rules.HD.REPORTED, pgettext_lazy("hidden danger state", "Reported")
        RECTIFYING = rules.HD.RECTIFYING, pgettext_lazy("hidden danger state", "Being rectified")
        AWAITING = rules.HD.AWAITING, pgettext_lazy("hidden danger state", "Awaiting verification")
        CLOSED = rules.HD.CLOSED, pgettext_lazy("hidden danger state", "Closed")

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="hidden_dangers",
                                   verbose_name=_("enterprise"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    place = models.CharField(pgettext_lazy("hidden danger", "place"), max_length=200, blank=True,
                             help_text=_("Where it is, in words (unit, tank, passage)."))
    # Its point on the one map (issue 25.9), as an incident's; null for rows recorded before it
    # had one and for imports that give only the text place.
    location = models.PointField(_("location"), srid=4326, geography=True, null=True, blank=True)
    level = models.CharField(_("level"), max_length=8, choices=Level.choices, db_index=True)
    criteria = ArrayField(models.CharField(max_length=8), default=list, blank=True,
                          verbose_name=_("major hidden danger criteria (安监总管三〔2017〕121号)"))
    deadline = models.DateTimeField(_("deadline"), db_index=True)
    state = models.CharField(_("state"), max_length=24, choices=State.choices, default=State.REPORTED, db_index=True)
    # 五到位: measures, responsibility, funds, time limit, contingency plan.
    measures = models.TextField(_("measures"), blank=True)
    responsible = models.CharField(_("responsible person"), max_length=100, blank=True)
    funds_cny = models.DecimalField(_("funds (CNY)"), max_digits=14, decimal_places=2, null=True, blank=True)
    contingency = models.TextField(_("contingency plan"), blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("reported by"))
    reported_at = models.DateTimeField(_("reported at"), default=timezone.now)
    rectified_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     null=True, blank=True, verbose_name=_("rectified by"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    overdue_flagged_at = models.DateTimeField(_("flagged overdue at"), null=True, blank=True)
    inspection = models.ForeignKey("InspectionDraw", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="hidden_dangers", verbose_name=_("found in inspection draw"))
    external_id = models.CharField(_("external id"), max_length=64, null=True, blank=True,
                                   help_text=_("The id in the enterprise's own system, for idempotent imports."))
    history = HistoricalRecords()

    class Meta:
        ordering = ["-reported_at"]
        verbose_name = _("hidden danger")
        verbose_name_plural = _("hidden dangers")
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "external_id"], name="hidden_danger_external_id_once"),
            models.CheckConstraint(condition=models.Q(funds_cny__isnull=True) | models.Q(funds_cny__gte=0),
                                   name="hidden_danger_funds_not_negative"),
        ]

    def __str__(self):
        return self.title

    @property
    def overdue(self) -> bool:
        return self.state != self.State.CLOSED and self.deadline < timezone.now()


class HiddenDangerStep(models.Model):
    """The timeline of a hidden danger: every step with who and when."""

    hidden_danger = models.ForeignKey(HiddenDanger, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(max_length=24)
    state = models.CharField(max_length=24)
    note = models.TextField(blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    @property
    def action_label(self) -> str:
        return rules.step_label(self.action)


def _photo_path(instance, filename):
    # The stored name never comes from the client.
    return f"hidden-dangers/{instance.hidden_danger_id}/{instance.token}.{instance.extension}"


class HiddenDangerPhoto(models.Model):
    """A photo of a hidden danger, stored outside MEDIA_ROOT (safety.storage) and served only by
    a view that checks the reader may see the hidden danger."""

    hidden_danger = models.ForeignKey(HiddenDanger, on_delete=models.CASCADE, related_name="photos")
    token = models.CharField(max_length=32, unique=True)
    extension = models.CharField(max_length=4)
    content_type = models.CharField(max_length=32)
    file = models.FileField(upload_to=_photo_path, storage=private_storage, max_length=200)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]


class WorkPermit(models.Model):
    """A special-work permit (特殊作业安全作业票, GB 30871-2022); safety.rules.PERMIT_STEPS."""

    class Kind(models.TextChoices):
        HOT_WORK = "hot_work", _("Hot work (动火)")
        CONFINED_SPACE = "confined_space", _("Confined space (受限空间)")
        BLIND_PLATE = "blind_plate", _("Blind plates (盲板抽堵)")
        HEIGHT = "height", _("Work at height (高处)")
        LIFTING = "lifting", _("Lifting (吊装)")
        TEMPORARY_POWER = "temporary_power", _("Temporary power (临时用电)")
        EXCAVATION = "excavation", _("Excavation (动土)")
        ROAD_CLOSURE = "road_closure", _("Road closure (断路)")

    class Grade(models.TextChoices):
        SPECIAL = "special", _("Special (特级)")
        FIRST = "first", _("First (一级)")
        SECOND = "second", _("Second (二级)")

    class State(models.TextChoices):
        SUBMITTED = rules.WP.SUBMITTED, pgettext_lazy("permit state", "Submitted")
        IN_PROGRESS = rules.WP.IN_PROGRESS, pgettext_lazy("permit state", "In progress")
        SUSPENDED = rules.WP.SUSPENDED, pgettext_lazy("permit state", "Suspended")
        CLOSED = rules.WP.CLOSED, pgettext_lazy("permit state", "Closed")
        CANCELLED = rules.WP.CANCELLED, pgettext_lazy("permit state", "Cancelled")

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="work_permits",
                                   verbose_name=_("enterprise"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, db_index=True)
    grade = models.CharField(_("grade"), max_length=8, choices=Grade.choices, blank=True)
    place = models.CharField(pgettext_lazy("work permit", "place"), max_length=200, blank=True, help_text=_("Unit, tank or area, as on the permit."))
    location = models.PointField(_("location"), srid=4326, geography=True)
    valid_from = models.DateTimeField(_("valid from"))
    valid_to = models.DateTimeField(_("valid to"))
    toxic_limit_ppm = models.FloatField(_("toxic gas limit (ppm)"), null=True, blank=True)
    description = models.TextField(_("work description"), blank=True)
    # Issue 25, point 3: the contractor (第三方单位) doing the work; null when the enterprise's own
    # staff do it.
    contractor = models.ForeignKey("Contractor", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="work_permits", verbose_name=_("contractor"))
    # Issue 25, point 7 (GB 30871-2022): what the rules of safety.special_work read.
    equipment = models.CharField(_("pipeline, vessel or space"), max_length=100, blank=True,
                                 help_text=_("Its tag (e.g. the pipeline number): two jobs on one are checked "
                                             "against each other."))
    medium = models.CharField(_("medium (CAS)"), max_length=16, blank=True,
                              help_text=_("The toxic medium of the equipment: its GBZ 2.1 limit applies."))
    oxygen_equipment = models.BooleanField(_("on oxygen-rich equipment"), default=False)
    continuous_monitor = models.CharField(_("continuous gas monitor"), max_length=100, blank=True,
                                          help_text=_("The detector watching a special-grade (特级) job throughout."))
    wind_force = models.PositiveSmallIntegerField(_("wind force (Beaufort)"), null=True, blank=True)
    rest_day = models.BooleanField(_("on a public holiday"), default=False,
                                   help_text=_("Weekends are known; say so for a public holiday."))
    declared_grade = models.CharField(_("grade asked for"), max_length=8, choices=Grade.choices, blank=True,
                                      help_text=_("Before the upgrade for night, rest days or wind (5.1.1)."))
    extension_reason = models.CharField(_("why longer than usual"), max_length=400, blank=True)
    # Work at height's and lifting's grades (and so who approves them, GB 30871-2022 Table B.1)
    # follow the height and the load: safety.special_work.work_grade.
    height_m = models.DecimalField(_("working height (m)"), max_digits=6, decimal_places=1, null=True, blank=True)
    load_t = models.DecimalField(_("load (t)"), max_digits=7, decimal_places=1, null=True, blank=True)
    paused_at = models.DateTimeField(_("break since"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.SUBMITTED, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("submitted by"))
    created_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = _("work permit")
        verbose_name_plural = _("work permits")
        constraints = [models.CheckConstraint(condition=models.Q(valid_to__gt=models.F("valid_from")),
                                              name="work_permit_ends_after_start")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.place}".strip()


class PermitAlarmAction(models.Model):
    """What a park alarm did to a permit in force near it (issue 22, point 7): suspended the
    work, or warned its holders. The alarm is monitoring's (a sibling app): kept by id and
    point, as the event that caused it carried them."""

    class Action(models.TextChoices):
        SUSPENDED = "suspended", _("Work suspended")
        WARNED = "warned", _("Holders warned")

    permit = models.ForeignKey(WorkPermit, on_delete=models.CASCADE, related_name="alarm_actions",
                               verbose_name=_("work permit"))
    alarm_id = models.BigIntegerField(_("alarm"), db_index=True)
    point_id = models.BigIntegerField(_("monitoring point"), db_index=True)
    point_code = models.CharField(_("point code"), max_length=64)
    point_name = models.CharField(_("point name"), max_length=200, blank=True)
    risk_source = models.CharField(_("risk source"), max_length=300, blank=True)
    level = models.CharField(_("alarm level"), max_length=8)
    distance_m = models.FloatField(_("distance (m)"))
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    rule = models.CharField(_("rule"), max_length=200)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("alarm action on a permit")
        verbose_name_plural = _("alarm actions on permits")
        constraints = [models.UniqueConstraint(fields=["permit", "alarm_id"], name="permit_alarm_action_once")]


class GasTest(models.Model):
    permit = models.ForeignKey(WorkPermit, on_delete=models.CASCADE, related_name="gas_tests")
    at = models.DateTimeField(_("sampled at"))
    combustible_percent = models.FloatField(_("combustible gas (% vol)"), null=True, blank=True)
    lel_percent = models.FloatField(_("LEL of the gas measured (%)"), null=True, blank=True)
    o2_percent = models.FloatField(_("oxygen (% vol)"), null=True, blank=True)
    toxic_ppm = models.FloatField(_("toxic gas (ppm)"), null=True, blank=True)
    passed = models.BooleanField(_("passed"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["at", "id"]

    def as_rule_input(self) -> dict:
        return {"at": self.at, "combustible_percent": self.combustible_percent, "lel_percent": self.lel_percent,
                "o2_percent": self.o2_percent, "toxic_ppm": self.toxic_ppm}


class SafetyCommitment(models.Model):
    """The enterprise's daily safety commitment (安全承诺), one per day."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="commitments",
                                   verbose_name=_("enterprise"))
    date = models.DateField(_("date"))
    units_running = models.PositiveIntegerField(_("units running"))
    units_stopped = models.PositiveIntegerField(_("units stopped"))
    special_work = models.PositiveIntegerField(_("special work jobs today"), default=0)
    trial_runs = models.PositiveIntegerField(_("trial runs"), default=0)
    startups_shutdowns = models.PositiveIntegerField(_("start-ups and shutdowns"), default=0)
    major_hidden_dangers = models.PositiveIntegerField(_("major hidden dangers open"), default=0)
    risk_level = models.CharField(_("the day's risk level"), max_length=8, choices=COLOUR_CHOICES)
    note = models.TextField(_("note"), blank=True)
    committed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("committed by"))
    committed_at = models.DateTimeField(_("committed at"), default=timezone.now)

    class Meta:
        ordering = ["-date"]
        verbose_name = _("safety commitment")
        verbose_name_plural = _("safety commitments")
        constraints = [models.UniqueConstraint(fields=["enterprise", "date"], name="one_commitment_per_day")]

    def __str__(self):
        return f"{self.enterprise} {self.date}"


class EnterpriseColour(models.Model):
    """The enterprise's current colour and why (safety.services.enterprise_colour_recompute)."""

    enterprise = models.OneToOneField(Enterprise, on_delete=models.CASCADE, related_name="safety_colour",
                                      verbose_name=_("enterprise"))
    colour = models.CharField(_("colour"), max_length=8, choices=COLOUR_CHOICES, db_index=True)
    factors = models.JSONField(_("factors"), default=list)
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)

    class Meta:
        verbose_name = _("enterprise colour")
        verbose_name_plural = _("enterprise colours")

    def __str__(self):
        return f"{self.enterprise}: {self.colour}"


class ColourChange(models.Model):
    """One change of an enterprise's colour, kept for the record."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="colour_changes")
    colour = models.CharField(max_length=8, choices=COLOUR_CHOICES)
    previous = models.CharField(max_length=8, blank=True)
    factors = models.JSONField(default=list)
    reason = models.CharField(max_length=64, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]

    @property
    def reason_label(self) -> str:
        return rules.reason_label(self.reason)


class InspectionDraw(models.Model):
    """A random inspection draw (双随机), weighted by colour; kept with its seed so it can be replayed."""

    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    drawn_at = models.DateTimeField(default=timezone.now)
    seed = models.CharField(max_length=32)
    enterprises = models.ManyToManyField(Enterprise, related_name="+")
    inspectors = models.JSONField(default=list)

    class Meta:
        ordering = ["-drawn_at"]


class Contractor(models.Model):
    """A third-party unit (第三方单位, 承包商) working for an enterprise (issue 25, point 3)."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="contractors",
                                   verbose_name=_("enterprise"))
    name = models.CharField(_("name"), max_length=200)
    credit_code = models.CharField(_("unified social credit code"), max_length=18)
    contact = models.CharField(_("contact person"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["enterprise", "name"]
        verbose_name = _("contractor")
        verbose_name_plural = _("contractors")
        constraints = [models.UniqueConstraint(fields=["enterprise", "credit_code"], name="contractor_once_per_enterprise")]

    def __str__(self):
        return self.name


class ContractorQualification(models.Model):
    """One qualification of a contractor (资质证书, 安全生产许可证 …) with its validity."""

    contractor = models.ForeignKey(Contractor, on_delete=models.CASCADE, related_name="qualifications",
                                   verbose_name=_("contractor"))
    kind = models.CharField(_("kind"), max_length=100)
    number = models.CharField(_("number"), max_length=64)
    valid_to = models.DateField(_("valid to"), db_index=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["valid_to", "id"]
        verbose_name = _("contractor qualification")
        verbose_name_plural = _("contractor qualifications")

    def __str__(self):
        return f"{self.kind} {self.number}"


class PermitApproval(models.Model):
    """An approval of a permit at a level of GB 30871-2022 Appendix B, given on site (4.11)."""

    permit = models.ForeignKey(WorkPermit, on_delete=models.CASCADE, related_name="approvals",
                               verbose_name=_("work permit"))
    level = models.CharField(_("approver level"), max_length=16)
    approver = models.CharField(_("approver"), max_length=100)
    on_site = models.BooleanField(_("checked on site"))
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("approved at"), default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("permit approval")
        verbose_name_plural = _("permit approvals")


class WorkFiling(models.Model):
    """报备: an enterprise files its special work with the park, with or without the permit yet."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="work_filings",
                                   verbose_name=_("enterprise"))
    permit = models.OneToOneField(WorkPermit, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="filing", verbose_name=_("work permit"))
    kind = models.CharField(_("kind"), max_length=16, choices=WorkPermit.Kind.choices)
    grade = models.CharField(_("grade"), max_length=8, choices=WorkPermit.Grade.choices, blank=True)
    place = models.CharField(pgettext_lazy("work permit", "place"), max_length=200, blank=True)
    planned_from = models.DateTimeField(_("planned from"))
    planned_to = models.DateTimeField(_("planned to"))
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("filed by"))
    filed_at = models.DateTimeField(_("filed at"), default=timezone.now)

    class Meta:
        ordering = ["-filed_at", "-id"]
        verbose_name = _("special-work filing (报备)")
        verbose_name_plural = _("special-work filings (报备)")
        constraints = [models.CheckConstraint(condition=models.Q(planned_to__gt=models.F("planned_from")),
                                              name="work_filing_ends_after_start")]


class PermitSpotCheck(models.Model):
    """An online spot check (在线抽查) of a permit in force by a park supervisor."""

    class Result(models.TextChoices):
        COMPLIANT = "compliant", _("Compliant")
        ISSUES = "issues", _("Issues found")

    permit = models.ForeignKey(WorkPermit, on_delete=models.CASCADE, related_name="spot_checks",
                               verbose_name=_("work permit"))
    result = models.CharField(_("result"), max_length=16, choices=Result.choices)
    findings = models.TextField(_("findings"), blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("checked by"))
    at = models.DateTimeField(_("checked at"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("permit spot check")
        verbose_name_plural = _("permit spot checks")
