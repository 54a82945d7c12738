"""Public warnings (预警发布), published as OASIS CAP 1.2 (see docs/domain.md).

One Alert row is one warning through its whole life. Each time it is published
(issue, update, cancel) it becomes a new CAP message with a new `identifier` and `sent`;
the earlier messages are listed in `references`, as CAP requires of Update and Cancel,
and simple-history keeps every earlier version of the row.
"""

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Level(models.TextChoices):
    """The four colours of Chinese warning signals (预警信号), lowest first."""

    BLUE = "blue", _("Blue (蓝色)")
    YELLOW = "yellow", _("Yellow (黄色)")
    ORANGE = "orange", _("Orange (橙色)")
    RED = "red", _("Red (红色)")


LEVEL_COLOURS = {"blue": "#2b83ba", "yellow": "#f5c400", "orange": "#f07c00", "red": "#d7191c"}


class Category(models.TextChoices):
    GEO = "Geo", _("Geophysical")
    MET = "Met", _("Meteorological")
    SAFETY = "Safety", _("General safety")
    SECURITY = "Security", _("Security")
    RESCUE = "Rescue", _("Rescue and recovery")
    FIRE = "Fire", _("Fire")
    HEALTH = "Health", _("Health")
    ENV = "Env", _("Environmental")
    TRANSPORT = "Transport", _("Transport")
    INFRA = "Infra", _("Infrastructure")
    CBRNE = "CBRNE", _("Chemical, biological, radiological, nuclear, explosive")
    OTHER = "Other", _("Other")


class Urgency(models.TextChoices):
    IMMEDIATE = "Immediate", _("Immediate")
    EXPECTED = "Expected", _("Expected")
    FUTURE = "Future", _("Future")
    PAST = "Past", _("Past")
    UNKNOWN = "Unknown", _("Unknown")


class CapSeverity(models.TextChoices):
    EXTREME = "Extreme", _("Extreme")
    SEVERE = "Severe", _("Severe")
    MODERATE = "Moderate", _("Moderate")
    MINOR = "Minor", _("Minor")
    UNKNOWN = "Unknown", _("Unknown")


class Certainty(models.TextChoices):
    OBSERVED = "Observed", _("Observed")
    LIKELY = "Likely", _("Likely")
    POSSIBLE = "Possible", _("Possible")
    UNLIKELY = "Unlikely", _("Unlikely")
    UNKNOWN = "Unknown", _("Unknown")


# CAP urgency/severity/certainty a level implies unless the commander says otherwise.
# Red (特别严重) is the most serious and imminent; blue (一般) a possible, minor threat ahead.
# Certainty stays at most Likely: a warning forecasts; "Observed" is a deliberate choice.
LEVEL_DEFAULTS = {
    "red": {"urgency": "Immediate", "severity": "Extreme", "certainty": "Likely"},
    "orange": {"urgency": "Immediate", "severity": "Severe", "certainty": "Likely"},
    "yellow": {"urgency": "Expected", "severity": "Moderate", "certainty": "Likely"},
    "blue": {"urgency": "Future", "severity": "Minor", "certainty": "Possible"},
}


class Alert(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ISSUED = "issued", _("Issued")
        UPDATED = "updated", _("Updated")
        CANCELLED = "cancelled", _("Cancelled")

    # Published statuses: what the public (feed, CAP) may see.
    PUBLISHED = (Status.ISSUED, Status.UPDATED, Status.CANCELLED)
    # In force until they expire.
    CURRENT = (Status.ISSUED, Status.UPDATED)
    MSG_TYPES = {"draft": "Alert", "issued": "Alert", "updated": "Update", "cancelled": "Cancel"}

    level = models.CharField(_("level"), max_length=8, choices=Level.choices)
    event = models.CharField(_("event"), max_length=100)
    headline = models.CharField(_("headline"), max_length=160)
    description = models.TextField(_("description"))
    instructions = models.TextField(_("instructions"), blank=True)
    event_en = models.CharField(_("event (English)"), max_length=100, blank=True)
    headline_en = models.CharField(_("headline (English)"), max_length=160, blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    instructions_en = models.TextField(_("instructions (English)"), blank=True)
    area = models.MultiPolygonField(_("area"), srid=4326)
    area_description = models.CharField(_("area description"), max_length=300)
    effective = models.DateTimeField(_("effective from"), null=True, blank=True,
                                     help_text=_("Empty: effective when issued."))
    expires = models.DateTimeField(_("expires at"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT,
                              db_index=True)
    incident = models.ForeignKey("incidents.Incident", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="alerts", verbose_name=_("incident"))
    category = models.CharField(_("CAP category"), max_length=10, choices=Category.choices, default=Category.MET)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=CapSeverity.choices)
    certainty = models.CharField(_("certainty"), max_length=10, choices=Certainty.choices)
    # The current CAP message; empty until first issued.
    identifier = models.CharField(_("CAP identifier"), max_length=120, blank=True)
    sender = models.CharField(_("CAP sender"), max_length=120, blank=True)
    sent = models.DateTimeField(_("sent at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("message version"), default=0)
    # Space-separated "sender,identifier,sent" of every earlier message of this alert.
    references = models.TextField(_("CAP references"), blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    # A drill's warning (演练): CAP status Exercise, labelled wherever it is shown. Set for any
    # alert linked to an exercise incident (alerts.services).
    exercise = models.BooleanField(_("exercise (演练)"), default=False, db_index=True)
    # The groups this warning names (领导小组, 专家组, an enterprise's 包保 persons...): notified when
    # it is issued, whatever its level; orange and red also reach the groups that take their level.
    notify_groups = models.ManyToManyField("notices.ContactGroup", blank=True, related_name="+",
                                           verbose_name=_("groups to notify"),
                                           help_text=_("Notified by SMS and the app when the warning is issued."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("issued by"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("public warning")
        verbose_name_plural = _("public warnings")
        indexes = [models.Index(fields=["status", "expires"], name="alert_status_expires")]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective__isnull=True) | Q(expires__gt=F("effective")),
                name="alert_expires_after_effective",
                violation_error_message=_("The expiry time must be after the effective time."),
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | (~Q(identifier="") & Q(sent__isnull=False) & Q(issued_at__isnull=False)),
                name="alert_published_has_cap_identity",
            ),
            models.UniqueConstraint(fields=["identifier"], condition=~Q(identifier=""),
                                    name="alert_identifier_unique"),
        ]

    def __str__(self):
        return f"[{self.get_level_display()}] {self.headline}"

    @property
    def msg_type(self) -> str:
        return self.MSG_TYPES[self.status]

    @property
    def colour(self) -> str:
        return LEVEL_COLOURS[self.level]

    @property
    def is_exercise(self) -> bool:
        return self.exercise or bool(self.incident_id and self.incident.exercise)

    @property
    def is_published(self) -> bool:
        return self.status in self.PUBLISHED
