from urllib.parse import urlencode

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from incidents import grading
from resources.models import Area, Resource


class Severity(models.TextChoices):
    """Ⅰ is the highest (特别重大, red); Ⅳ the lowest (一般, blue)."""

    I = "I", _("Ⅰ Extremely serious (特别重大)")  # noqa: E741
    II = "II", _("Ⅱ Serious (重大)")
    III = "III", _("Ⅲ Major (较大)")
    IV = "IV", _("Ⅳ General (一般)")


SEVERITY_COLOURS = {"I": "#d7191c", "II": "#f07c00", "III": "#f5c400", "IV": "#2b83ba"}
SEVERITY_NUMERALS = {"I": "Ⅰ", "II": "Ⅱ", "III": "Ⅲ", "IV": "Ⅳ"}
# The mark of everything a drill creates. Bilingual in every language on purpose: nobody
# may mistake an exercise for a real event, whatever language their screen is set to.
EXERCISE_LABEL = "演练 / EXERCISE"


class IncidentClass(models.TextChoices):
    NATURAL = "natural", _("Natural disaster (自然灾害)")
    ACCIDENT = "accident", _("Accident / disaster (事故灾难)")
    HEALTH = "health", _("Public health (公共卫生事件)")
    SECURITY = "security", _("Social security (社会安全事件)")


class Capability(models.TextChoices):
    """What a unit can do. A run card asks for capabilities, never for named units, so a
    recommendation can fill a need with whichever unit is nearest and free."""

    FIRE_SUPPRESSION = "fire_suppression", _("Fire suppression")
    WATER_SUPPLY = "water_supply", _("Water supply")
    EMS = "ems", _("Emergency medical care")
    PATIENT_TRANSPORT = "patient_transport", _("Patient transport")
    TRIAGE = "triage", _("Mass-casualty triage")
    RESCUE = "rescue", _("Rescue")
    ROPE_RESCUE = "rope_rescue", _("Rope rescue")
    COLLAPSE_RESCUE = "collapse_rescue", _("Collapse rescue")
    WATER_RESCUE = "water_rescue", _("Water rescue")
    HAZMAT = "hazmat", _("Hazardous materials")
    DECONTAMINATION = "decontamination", _("Decontamination")
    GAS_DETECTION = "gas_detection", _("Gas detection")
    TRAFFIC_CONTROL = "traffic_control", _("Traffic control")
    SECURITY = "security", _("Public security")
    EVACUATION = "evacuation", _("Evacuation")
    HEAVY_LIFTING = "heavy_lifting", _("Heavy lifting")
    FLOOD_CONTROL = "flood_control", _("Flood control")
    PUMPING = "pumping", _("Pumping")
    SHELTERING = "sheltering", _("Sheltering")


def capability_label(code: str) -> str:
    """The capability in the user's language; an unknown code (typed in the admin) as is."""
    try:
        return str(Capability(code).label)
    except ValueError:
        return code


class IncidentType(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    klass = models.CharField(_("class"), max_length=16, choices=IncidentClass.choices)
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    required_capabilities = ArrayField(models.CharField(max_length=32), default=list, blank=True,
                                       verbose_name=_("required capabilities"))

    history = HistoricalRecords()

    class Meta:
        ordering = ["klass", "code"]
        verbose_name = _("incident type")
        verbose_name_plural = _("incident types")

    def __str__(self):
        # In the reader's language only: "危险化学品泄漏 / Hazardous chemical leak" in every form's
        # choices and the admin was both at once (issue 22.10).
        return self.local_name

    @property
    def local_name(self) -> str:
        from django.utils.translation import get_language

        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name_zh or self.name_en


class Incident(models.Model):
    class Status(models.TextChoices):
        REPORTED = "reported", _("Reported")
        DISPATCHED = "dispatched", _("Dispatched")
        IN_PROGRESS = "in_progress", _("In progress")
        CONTAINED = "contained", _("Contained")
        CLOSED = "closed", _("Closed")

    OPEN_STATUSES = (Status.REPORTED, Status.DISPATCHED, Status.IN_PROGRESS, Status.CONTAINED)

    number = models.CharField(_("number"), max_length=16, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    type = models.ForeignKey(IncidentType, on_delete=models.PROTECT, verbose_name=_("type"))
    severity = models.CharField(_("severity"), max_length=3, choices=Severity.choices, default=Severity.IV)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.REPORTED,
                              db_index=True)
    location = models.PointField(_("location"), srid=4326, geography=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    area = models.ForeignKey(Area, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("area"))
    outside_district = models.BooleanField(
        _("outside the district (mutual aid)"), default=False,
        help_text=_("Logged outside the district's boundary on purpose, confirmed by the call-taker."))
    caller_name = models.CharField(_("caller name"), max_length=100, blank=True)
    caller_phone = models.CharField(_("caller phone"), max_length=32, blank=True)
    description = models.TextField(_("description"), blank=True)
    deaths = models.PositiveIntegerField(_("deaths"), default=0)
    injuries = models.PositiveIntegerField(_("serious injuries"), default=0)
    # 直接经济损失 (生产安全事故报告和调查处理条例 Art. 3): with deaths and injuries it suggests the
    # severity (incidents.grading).
    direct_loss_cny = models.DecimalField(_("direct economic loss (CNY)"), max_digits=14, decimal_places=2,
                                          default=0)
    affected = models.PositiveIntegerField(_("people affected"), default=0)
    evacuated = models.PositiveIntegerField(_("people evacuated"), default=0)
    reported_at = models.DateTimeField(_("call received at"), default=timezone.now)
    created_at = models.DateTimeField(_("logged at"), auto_now_add=True, db_index=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("logged by"))
    # A drill's incident (演练): labelled everywhere, never counted in statistics (drills app).
    exercise = models.BooleanField(_("exercise (演练)"), default=False, db_index=True, editable=False)
    # What is burning or leaking, when known (an incident logged from a park alarm knows both):
    # the release model opens with this chemical, never with a default one.
    risk_source = models.ForeignKey("hazards.RiskSource", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("risk source"))
    chemical = models.ForeignKey("hazards.Chemical", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+", verbose_name=_("chemical"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        constraints = [
            models.CheckConstraint(
                condition=Q(number__regex=r"^[0-9]{4}-[0-9]{6}$"), name="incident_number_format",
            ),
            models.CheckConstraint(
                condition=Q(reported_at__lte=models.F("created_at") + timezone.timedelta(minutes=5)),
                name="incident_reported_not_after_logged",
                violation_error_message=_("The call cannot be received after the incident was logged."),
            ),
            models.CheckConstraint(
                condition=Q(status="closed", closed_at__isnull=False) | (~Q(status="closed") & Q(closed_at__isnull=True)),
                name="incident_closed_at_iff_closed",
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    @property
    def severity_numeral(self) -> str:
        return SEVERITY_NUMERALS[self.severity]

    @property
    def suggested_severity(self) -> str:
        return grading.suggested_severity(self.deaths, self.injuries, self.direct_loss_cny)

    @property
    def severity_below_suggested(self) -> bool:
        return grading.below(self.severity, self.suggested_severity)

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def exercise_label(self) -> str:
        return EXERCISE_LABEL if self.exercise else ""

    def release_model_query(self) -> str:
        """The query string that opens the console map's release model for this incident:
        its own chemical and risk source when it has them (never a default chemical)."""
        query = {"incident": self.pk}
        if self.chemical_id:
            query["chemical"] = self.chemical.cas
        if self.risk_source_id:
            query["risk_source"] = self.risk_source_id
        return urlencode(query)


class IncidentCounter(models.Model):
    """Per-year counter behind readable numbers like 2026-000123 (one atomic UPDATE)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)


# What a person reads for a timeline entry's kind (the drill evaluation's "who did what" read
# "call, dispatch, logged"; issue 22.10). The stored kinds stay codes; unknown ones read "Other".
TIMELINE_KIND_LABELS = {
    "logged": _("Logged"), "outside_district": _("Outside the district"), "call": _("Further call"),
    "status": _("Status changed"), "severity": _("Severity changed"), "note": _("Note"),
    "dispatch": _("Dispatch"), "dispatched": _("Dispatch"), "acknowledged": _("Acknowledged"),
    "declined": _("Declined"), "en_route": _("En route"), "on_scene": _("On scene"), "cleared": _("Cleared"),
    "released": _("Units released"), "escalated": _("Escalated"), "report": _("Report filed"),
    "release": _("Release modelled"), "plan.activated": _("Plan activated"), "plan.ended": _("Plan ended"),
    "plan.level_raised": _("Response level raised"), "task.done": _("Task done"), "task.overdue": _("Task overdue"),
    "alert.issued": _("Warning issued"), "alert.updated": _("Warning updated"),
    "alert.cancelled": _("Warning cancelled"), "alarm": _("Park alarm"), "casualties": _("Casualties and loss"),
}


def timeline_kind_label(kind: str) -> str:
    return str(TIMELINE_KIND_LABELS.get(kind, _("Other")))


class TimelineEntry(models.Model):
    """Every change to an incident: who, when, what. Written only by services."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timeline",
                                 verbose_name=_("incident"))
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("by"))
    kind = models.CharField(_("kind"), max_length=40)
    text = models.TextField(_("text"))
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")

    def __str__(self):
        return f"{self.at:%H:%M:%S} {self.text}"


class DeclineReason(models.TextChoices):
    """Why a unit declines. The reason decides the unit's next status (issue 22, point 5): a unit
    that cannot move (a broken vehicle, no crew) is out of service until someone puts it back,
    so it is never recommended again meanwhile; a unit busy elsewhere is still available."""

    VEHICLE_FAULT = "vehicle_fault", _("Vehicle or equipment fault")
    NO_CREW = "no_crew", _("Crew not available")
    BUSY = "busy", _("Busy with another task")
    OTHER = "other", _("Other")


# Reasons after which the unit is out of service, not available.
DECLINE_OUT_OF_SERVICE = frozenset({DeclineReason.VEHICLE_FAULT, DeclineReason.NO_CREW})
# Words that name a breakdown in a free-text reason (an API client that sends only "车辆故障").
BREAKDOWN_WORDS = ("故障", "损坏", "抛锚", "坏了", "fault", "broken", "breakdown", "broke down")


class Assignment(models.Model):
    """One unit sent to one incident."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting acknowledgement")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        EN_ROUTE = "en_route", _("En route")
        ON_SCENE = "on_scene", _("On scene")
        CLEARED = "cleared", _("Cleared")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")

    ACTIVE_STATUSES = (Status.PENDING, Status.ACKNOWLEDGED, Status.EN_ROUTE, Status.ON_SCENE)

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="assignments",
                                 verbose_name=_("incident"))
    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="assignments",
                                 verbose_name=_("unit"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("dispatched at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("dispatched by"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                        blank=True, related_name="+", verbose_name=_("acknowledged by"))
    en_route_at = models.DateTimeField(_("en route at"), null=True, blank=True)
    on_scene_at = models.DateTimeField(_("on scene at"), null=True, blank=True)
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True)
    declined_at = models.DateTimeField(_("declined at"), null=True, blank=True)
    decline_reason = models.CharField(_("reason for declining"), max_length=300, blank=True)
    decline_code = models.CharField(_("kind of reason for declining"), max_length=16, choices=DeclineReason.choices,
                                    blank=True)
    escalations = models.PositiveSmallIntegerField(_("escalations"), default=0)
    last_escalated_at = models.DateTimeField(_("last escalated at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            # The second promise in the database itself: a unit holds one active assignment at most.
            models.UniqueConstraint(
                fields=["resource"],
                condition=Q(status__in=["pending", "acknowledged", "en_route", "on_scene"]),
                name="assignment_one_active_per_resource",
                violation_error_message=_("This unit already has an active assignment."),
            ),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decline_reason=""),
                name="assignment_decline_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.resource} → {self.incident.number}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES


class RunCard(models.Model):
    """A response plan (调派方案): the mix of capabilities an incident type needs at a severity.

    A card without a severity applies to every severity that has no card of its own. Planners
    keep run cards in the admin; dispatchers see them filled with the nearest free units.
    """

    incident_type = models.ForeignKey(IncidentType, on_delete=models.CASCADE, related_name="run_cards",
                                      verbose_name=_("incident type"))
    severity = models.CharField(_("severity"), max_length=3, choices=Severity.choices, blank=True,
                                help_text=_("Leave empty for a card that applies to every severity "
                                            "without a card of its own."))
    note = models.TextField(_("note for the dispatcher"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["incident_type__code", "severity"]
        verbose_name = _("run card")
        verbose_name_plural = _("run cards")
        constraints = [
            models.UniqueConstraint(fields=["incident_type", "severity"], name="run_card_one_per_type_severity",
                                    violation_error_message=_("This incident type already has a run card for "
                                                              "this severity.")),
        ]

    def __str__(self):
        sev = SEVERITY_NUMERALS.get(self.severity, "") or _("any severity")
        return f"{self.incident_type.name_zh} {sev}"


class RunCardNeed(models.Model):
    """One line of a run card: so many units bringing one capability."""

    run_card = models.ForeignKey(RunCard, on_delete=models.CASCADE, related_name="needs",
                                 verbose_name=_("run card"))
    capability = models.CharField(_("capability"), max_length=32, choices=Capability.choices)
    count = models.PositiveSmallIntegerField(_("units"), default=1,
                                             validators=[MinValueValidator(1), MaxValueValidator(50)])
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        constraints = [
            models.UniqueConstraint(fields=["run_card", "capability"], name="run_card_need_one_per_capability",
                                    violation_error_message=_("Each capability appears once on a run card; "
                                                              "raise its count instead.")),
            models.CheckConstraint(condition=Q(count__gte=1) & Q(count__lte=50), name="run_card_need_count_range",
                                   violation_error_message=_("A need asks for 1 to 50 units.")),
        ]

    def __str__(self):
        return f"{capability_label(self.capability)} × {self.count}"


class IncidentRelease(models.Model):
    """A toxic release modelled for an incident. The link is the incident's: hazards sits below
    incidents and knows nothing of them (docs/architecture.md), so incidents owns the relation,
    as it imports hazards."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="release_links",
                                 verbose_name=_("incident"))
    release = models.OneToOneField("hazards.Release", on_delete=models.CASCADE, related_name="incident_link",
                                   verbose_name=_("release"))

    class Meta:
        verbose_name = _("release of an incident")
        verbose_name_plural = _("releases of incidents")

    def __str__(self):
        return f"{self.incident} ← {self.release_id}"


class ReportRule(models.Model):
    """Reporting deadlines per severity (初报/续报/终报): local rules differ, so they are data.

    Defaults (seeded by drills' migration 0002, from before the model moved here) follow
    docs/domain.md "Grading": 15 min by phone and 30 min written for Ⅰ–Ⅱ, 30/60 min for Ⅲ; Ⅳ,
    the follow-up interval and the final report are this office's choice, to be checked
    against the local regulation.
    """

    severity = models.CharField(_("severity"), max_length=3, choices=Severity.choices, unique=True)
    phone_min = models.PositiveIntegerField(_("first report by phone within (min)"))
    written_min = models.PositiveIntegerField(_("first written report within (min)"))
    followup_h = models.PositiveIntegerField(_("follow-up report every (h) while open"))
    final_days = models.PositiveIntegerField(_("final report within (days) of closing"))
    # The tables keep the names they had in drills, where the model lived until issue 23
    # (migration 0009 moved it without touching the database).
    history = HistoricalRecords(table_name="drills_historicalreportrule")

    class Meta:
        db_table = "drills_reportrule"
        ordering = ["severity"]
        verbose_name = _("reporting deadline")
        verbose_name_plural = _("reporting deadlines")

    def __str__(self):
        return f"{self.get_severity_display()}"


class IncidentReport(models.Model):
    """One report filed upward about an incident (事故信息报告)."""

    class Kind(models.TextChoices):
        INITIAL = "initial", _("First report (初报)")
        FOLLOWUP = "followup", _("Follow-up report (续报)")
        FINAL = "final", _("Final report (终报)")
        # Casualties changed within 30 days of closing (生产安全事故报告和调查处理条例 Art. 13).
        SUPPLEMENTARY = "supplementary", _("Supplementary report (补报)")

    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone")
        WRITTEN = "written", _("Written")

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="reports",
                                 verbose_name=_("incident"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices, default=Channel.WRITTEN)
    text = models.TextField(_("text"))
    filed_at = models.DateTimeField(_("filed at"), default=timezone.now)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("filed by"))

    class Meta:
        db_table = "drills_incidentreport"  # its name from drills, as ReportRule's
        ordering = ["filed_at", "id"]
        verbose_name = _("incident report")
        verbose_name_plural = _("incident reports")
        constraints = [models.UniqueConstraint(fields=["incident"], condition=Q(kind="final"),
                                               name="incident_report_one_final")]

    def __str__(self):
        return f"{self.incident.number} {self.get_kind_display()}"
