from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from incidents.models import SEVERITY_NUMERALS, IncidentType, Severity

# Ⅰ is the highest level; a higher level has a lower rank.
LEVEL_RANK = {"I": 1, "II": 2, "III": 3, "IV": 4}


class Plan(models.Model):
    """One version of a contingency plan. Versions share a code; at most one is published."""

    class Kind(models.TextChoices):
        # GB/T 29639-2020 and the government plan system.
        OVERALL = "overall", _("Overall plan (总体/综合应急预案)")
        SPECIAL = "special", _("Special plan (专项应急预案)")
        DEPARTMENT = "department", _("Department plan (部门应急预案)")
        ONSITE = "onsite", _("On-site disposal plan (现场处置方案)")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        REVIEW = "review", _("Under review")
        PUBLISHED = "published", _("Published")
        RETIRED = "retired", _("Retired")

    # Most specific first: an on-site plan fits a place better than the overall plan does.
    KIND_ORDER = {Kind.ONSITE: 0, Kind.SPECIAL: 1, Kind.DEPARTMENT: 2, Kind.OVERALL: 3}

    code = models.CharField(_("code"), max_length=40,
                            help_text=_("Shared by every version of the plan."))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT,
                              db_index=True)
    issuing_agency = models.ForeignKey("resources.Agency", on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="+", verbose_name=_("issuing agency"))
    effective_date = models.DateField(_("effective date"), null=True, blank=True)
    incident_types = models.ManyToManyField(
        IncidentType, blank=True, related_name="+", verbose_name=_("applicable incident types"),
        help_text=_("Leave empty for a plan that applies to every type."))
    areas = models.ManyToManyField(
        "resources.Area", blank=True, related_name="+", verbose_name=_("areas"),
        help_text=_("Leave empty for the whole district."))
    enterprises = models.ManyToManyField(
        "hazards.Enterprise", blank=True, related_name="+", verbose_name=_("enterprises"),
        help_text=_("For on-site plans: the plan applies to incidents near these sites."))
    risk_sources = models.ManyToManyField(
        "hazards.RiskSource", blank=True, related_name="+", verbose_name=_("risk sources"),
        help_text=_("For plans of a major hazard source: the plan applies to incidents near it."))
    scope = models.TextField(_("scope"), blank=True)
    organisation = models.TextField(_("organisation and duties"), blank=True)
    reporting = models.TextField(_("information reporting"), blank=True)
    measures = models.TextField(_("disposal measures"), blank=True)
    response_end = models.TextField(_("conditions to end the response"), blank=True)
    support = models.TextField(_("support"), blank=True)
    previous = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("previous version"), editable=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="+", editable=False,
                                     verbose_name=_("published by"))
    history = HistoricalRecords(m2m_fields=[incident_types, areas])

    class Meta:
        ordering = ["code", "-version"]
        verbose_name = _("contingency plan")
        verbose_name_plural = _("contingency plans")
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="plan_code_version_unique",
                                    violation_error_message=_("This version of the plan already exists.")),
            # Publishing a new version retires the old one: never two published versions.
            models.UniqueConstraint(fields=["code"], condition=Q(status="published"),
                                    name="plan_one_published_per_code"),
        ]

    def __str__(self):
        return f"{self.code} v{self.version} {self.title}"

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.REVIEW)


class ResponseLevel(models.Model):
    """A plan's own response level. It is triggered when any one threshold is reached
    (thresholds are inclusive: "以上" includes the boundary)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="levels", verbose_name=_("plan"))
    level = models.CharField(_("level"), max_length=3, choices=Severity.choices)
    min_deaths = models.PositiveIntegerField(_("deaths at least"), null=True, blank=True)
    min_injuries = models.PositiveIntegerField(_("serious injuries at least"), null=True, blank=True)
    min_affected = models.PositiveIntegerField(_("people affected at least"), null=True, blank=True)
    min_evacuated = models.PositiveIntegerField(_("people evacuated at least"), null=True, blank=True)
    trigger_text = models.TextField(_("trigger conditions"), blank=True)
    history = HistoricalRecords()

    THRESHOLDS = (("min_deaths", "deaths"), ("min_injuries", "injuries"),
                  ("min_affected", "affected"), ("min_evacuated", "evacuated"))

    class Meta:
        ordering = ["plan", "level"]
        verbose_name = _("response level")
        verbose_name_plural = _("response levels")
        constraints = [
            models.UniqueConstraint(fields=["plan", "level"], name="plan_level_unique",
                                    violation_error_message=_("The plan already has this level.")),
        ]

    def __str__(self):
        return f"{self.plan.code} {SEVERITY_NUMERALS.get(self.level, self.level)}"

    @property
    def numeral(self) -> str:
        return SEVERITY_NUMERALS[self.level]

    @property
    def rank(self) -> int:
        return LEVEL_RANK[self.level]

    def triggered_by(self, incident) -> list[str]:
        """The incident figures that reach this level's thresholds (empty: not triggered)."""
        return [figure for field, figure in self.THRESHOLDS
                if getattr(self, field) is not None and getattr(incident, figure) >= getattr(self, field)]


class Action(models.Model):
    """One step of a level's checklist; activation turns it into a task with a due time."""

    level = models.ForeignKey(ResponseLevel, on_delete=models.CASCADE, related_name="actions",
                              verbose_name=_("level"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=200)
    instructions = models.TextField(_("instructions"), blank=True)
    responsible_agency = models.ForeignKey("resources.Agency", on_delete=models.PROTECT, null=True, blank=True,
                                           related_name="+", verbose_name=_("responsible agency"))
    responsible_role = models.CharField(_("responsible role"), max_length=100, blank=True,
                                        help_text=_("e.g. 现场指挥部, 带班领导"))
    time_limit_min = models.PositiveIntegerField(_("time limit (minutes after activation)"), default=30)
    history = HistoricalRecords()

    class Meta:
        ordering = ["level", "order", "id"]
        verbose_name = _("action")
        verbose_name_plural = _("actions")

    def __str__(self):
        return self.title

    @property
    def responsible(self) -> str:
        parts = [str(self.responsible_agency) if self.responsible_agency_id else "", self.responsible_role]
        return " · ".join(p for p in parts if p)


class PlanContact(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("plan"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    name = models.CharField(_("name"), max_length=100)
    position = models.CharField(_("position"), max_length=100, blank=True)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=32)

    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "order", "id"]
        verbose_name = _("plan contact")
        verbose_name_plural = _("plan contacts")

    def __str__(self):
        return f"{self.name} {self.phone}"


class PlanAttachment(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("plan"))
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to="plans/%Y/")

    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "title"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.title
