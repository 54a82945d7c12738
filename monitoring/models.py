"""Monitoring points on risk sources, their readings, alarms with history, and dead letters.

Readings are many and cheap, alarms few and precious (docs/domain.md "Park monitoring and alarms"):
a reading is a narrow row (point, ts, value: 8 + 8 + 8 bytes of data) under a unique
(point, ts) index, with a BRIN index on ts for time-range scans and retention purges.
"""

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.indexes import BrinIndex
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from monitoring import engine


class PointKind(models.TextChoices):
    LEVEL = "level", _("Tank level")
    TEMPERATURE = "temperature", _("Temperature")
    PRESSURE = "pressure", _("Pressure")
    FLOW = "flow", _("Flow")
    TOXIC_GAS = "toxic_gas", _("Toxic gas")
    COMBUSTIBLE_GAS = "combustible_gas", _("Combustible gas")
    VALVE = "valve", _("Shut-off valve")
    INTERLOCK = "interlock", _("Safety interlock")
    # A weather mast's instruments (气象站), for the release model's wind and stability class. The
    # points of one mast share a code prefix: <mast>-WS, <mast>-WD, <mast>-TA, <mast>-SR, <mast>-CL.
    WIND_SPEED = "wind_speed", _("Wind speed")
    WIND_DIRECTION = "wind_direction", _("Wind direction (from)")
    AIR_TEMPERATURE = "air_temperature", _("Air temperature")
    SOLAR_RADIATION = "solar_radiation", _("Solar radiation")
    CLOUD_COVER = "cloud_cover", _("Cloud cover (okta)")


# Gas detectors saturate at full scale in a big leak: a reading above their range is HH as well
# as a fault (monitoring.engine).
GAS_DETECTOR_KINDS = (PointKind.TOXIC_GAS, PointKind.COMBUSTIBLE_GAS)


class PointState(models.TextChoices):
    NORMAL = "normal", _("Normal")
    L = "l", _("Low (L)")
    LL = "ll", _("Low-low (LL)")
    H = "h", _("High (H)")
    HH = "hh", _("High-high (HH)")
    OFFLINE = "offline", _("Offline")
    FAULT = "fault", _("Fault")


class MonitoringPoint(models.Model):
    """One measured quantity: a tank's level, a gas detector's reading.

    `engine_state` is the alarm state machine's memory (monitoring.engine.State.as_dict),
    changed only under this row's lock by monitoring.store and monitoring.services.
    """

    code = models.CharField(_("code"), max_length=64, unique=True,
                            help_text=_("As in the MQTT topic park/points/<code>."))
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=PointKind.choices, db_index=True)
    unit = models.CharField(_("unit"), max_length=16, blank=True)
    risk_source = models.ForeignKey("hazards.RiskSource", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="monitoring_points", verbose_name=_("risk source"))
    chemical = models.ForeignKey("hazards.Chemical", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+", verbose_name=_("chemical measured or held"))
    location = models.PointField(_("location"), srid=4326, geography=True)
    range_min = models.FloatField(_("range minimum"), null=True, blank=True)
    range_max = models.FloatField(_("range maximum"), null=True, blank=True)
    limit_ll = models.FloatField(_("LL limit"), null=True, blank=True)
    limit_l = models.FloatField(_("L limit"), null=True, blank=True)
    limit_h = models.FloatField(_("H limit"), null=True, blank=True)
    limit_hh = models.FloatField(_("HH limit"), null=True, blank=True)
    deadband = models.FloatField(_("deadband"), default=0)
    delay_s = models.PositiveIntegerField(_("on-delay (s)"), default=5)
    interval_s = models.PositiveIntegerField(_("reporting interval (s)"), default=10)
    limits_source = models.CharField(_("source of the limits"), max_length=200, blank=True)
    responsible = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+",
                                         verbose_name=_("responsible persons"),
                                         help_text=_("Told when an HH alarm stays unacknowledged."))
    state = models.CharField(_("state"), max_length=8, choices=PointState.choices, default=PointState.NORMAL,
                             db_index=True)
    last_ts = models.DateTimeField(_("last reading at"), null=True, blank=True)
    last_value = models.FloatField(_("last value"), null=True, blank=True)
    engine_state = models.JSONField(_("alarm engine state"), default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["code"]
        verbose_name = _("monitoring point")
        verbose_name_plural = _("monitoring points")
        constraints = [
            models.CheckConstraint(name="point_limits_ordered", condition=(
                (Q(limit_ll__isnull=True) | Q(limit_l__isnull=True) | Q(limit_ll__lt=models.F("limit_l")))
                & (Q(limit_h__isnull=True) | Q(limit_hh__isnull=True) | Q(limit_h__lt=models.F("limit_hh")))
                & (Q(limit_l__isnull=True) | Q(limit_h__isnull=True) | Q(limit_l__lt=models.F("limit_h"))))),
            models.CheckConstraint(name="point_range_ordered", condition=(
                Q(range_min__isnull=True) | Q(range_max__isnull=True) | Q(range_min__lt=models.F("range_max")))),
            models.CheckConstraint(name="point_deadband_not_negative", condition=Q(deadband__gte=0)),
            models.CheckConstraint(name="point_interval_positive", condition=Q(interval_s__gt=0)),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def engine_config(self) -> engine.Config:
        return engine.Config(range_min=self.range_min, range_max=self.range_max, ll=self.limit_ll, l=self.limit_l,
                             h=self.limit_h, hh=self.limit_hh, deadband=self.deadband, delay_s=self.delay_s,
                             interval_s=self.interval_s, skew_s=settings.MONITORING_CLOCK_SKEW_S,
                             saturates_high=self.kind in GAS_DETECTOR_KINDS)

    @property
    def limits(self) -> dict:
        return {"ll": self.limit_ll, "l": self.limit_l, "h": self.limit_h, "hh": self.limit_hh}


class Reading(models.Model):
    """One value of one point at one time. Narrow on purpose: no id, no quality (a bad
    reading is a fault for the engine and kept as a dead letter only if malformed)."""

    pk = models.CompositePrimaryKey("point", "ts")
    # No FK constraint and no cascade through the ORM: millions of rows are not collected in
    # Python. Readings of a deleted point are left to the retention purge.
    point = models.ForeignKey(MonitoringPoint, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    ts = models.DateTimeField()
    value = models.FloatField()

    class Meta:
        verbose_name = _("reading")
        verbose_name_plural = _("readings")
        indexes = [BrinIndex(fields=["ts"], name="reading_ts_brin", pages_per_range=32)]


class Alarm(models.Model):
    """One condition on one point, from raise to clear, however many readings repeat it."""

    class Level(models.TextChoices):
        L = "l", _("Low (L)")
        LL = "ll", _("Low-low (LL)")
        H = "h", _("High (H)")
        HH = "hh", _("High-high (HH)")
        OFFLINE = "offline", _("Offline")
        FAULT = "fault", _("Fault")

    class State(models.TextChoices):
        # Own context: incident states share these English words but not their Chinese.
        ACTIVE = "active", pgettext_lazy("alarm state", "Active")
        ACKNOWLEDGED = "acknowledged", pgettext_lazy("alarm state", "Acknowledged")
        CLEARED = "cleared", pgettext_lazy("alarm state", "Cleared")

    class Slot(models.TextChoices):
        PROCESS = engine.PROCESS, _("Process value")
        DIAGNOSTIC = engine.DIAGNOSTIC, _("Instrument")
        # Raised by a drill (monitoring.exercise), never by the engine.
        EXERCISE = "exercise", _("Exercise (演练)")

    point = models.ForeignKey(MonitoringPoint, on_delete=models.CASCADE, related_name="alarms",
                              verbose_name=_("point"))
    slot = models.CharField(_("condition"), max_length=12, choices=Slot.choices)
    level = models.CharField(_("level"), max_length=8, choices=Level.choices, db_index=True)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.ACTIVE, db_index=True)
    raised_at = models.DateTimeField(_("raised at"), db_index=True)
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True)
    raise_value = models.FloatField(_("value when raised"), null=True, blank=True)
    peak_value = models.FloatField(_("peak value"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="+", verbose_name=_("acknowledged by"))
    acknowledge_note = models.TextField(_("acknowledgement note"), blank=True)
    incident = models.ForeignKey("incidents.Incident", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="alarms", verbose_name=_("incident"))
    escalations = models.PositiveSmallIntegerField(_("escalations to people"), default=0)
    exercise = models.BooleanField(_("exercise"), default=False, db_index=True,
                                   help_text=_("Raised by a drill: labelled as such and never counted in statistics."))

    class Meta:
        ordering = ["-raised_at"]
        verbose_name = _("alarm")
        verbose_name_plural = _("alarms")
        constraints = [
            # The backstop behind "one condition on one point is one alarm": even two
            # ingesters racing cannot open a second alarm in the same slot.
            models.UniqueConstraint(fields=["point", "slot"], condition=Q(cleared_at__isnull=True),
                                    name="alarm_one_open_per_slot"),
        ]

    def __str__(self):
        return f"{self.point.code} {self.get_level_display()} {self.raised_at:%Y-%m-%d %H:%M:%S}"

    @property
    def is_open(self) -> bool:
        return self.cleared_at is None


class AlarmEntry(models.Model):
    """The alarm's history: raised, escalated, acknowledged (with note and person), people
    told, incident created, cleared."""

    alarm = models.ForeignKey(Alarm, on_delete=models.CASCADE, related_name="history", verbose_name=_("alarm"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    kind = models.CharField(_("kind"), max_length=16)
    level = models.CharField(_("level"), max_length=8, blank=True)
    value = models.FloatField(_("value"), null=True, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("by"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["alarm", "at", "id"]
        verbose_name = _("alarm history entry")
        verbose_name_plural = _("alarm history")

    def __str__(self):
        return f"{self.at:%H:%M:%S} {self.kind} {self.level}"


class DeadLetter(models.Model):
    """Input the ingester could not use, with the reason, for an administrator to read: one
    row per message (a gateway batch with ten bad items is one letter with ten reasons), kept
    within caps per sender and in total (monitoring.services.dead_letters_record)."""

    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)
    source = models.CharField(_("source"), max_length=8)  # mqtt | http
    topic = models.CharField(_("topic or sender"), max_length=200, blank=True, db_index=True)
    reason = models.CharField(_("reason"), max_length=300)
    payload = models.TextField(_("payload (first 2,000 characters)"), blank=True)
    items = models.PositiveIntegerField(_("unusable items"), default=1)
    size = models.PositiveIntegerField(_("stored bytes"), default=0)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("dead letter")
        verbose_name_plural = _("dead letters")

    def __str__(self):
        return f"{self.received_at:%Y-%m-%d %H:%M:%S} {self.reason}"


class DeadLetterDrop(models.Model):
    """Dead letters not kept because a cap was reached: counted per sender, so the
    administrator sees who sent how much that was dropped, and since when."""

    sender = models.CharField(_("topic or sender"), max_length=200, unique=True)
    cap = models.CharField(_("cap reached"), max_length=16,
                           choices=[("sender", _("per sender")), ("total", _("in total"))])
    messages = models.PositiveBigIntegerField(_("messages dropped"), default=0)
    bytes = models.PositiveBigIntegerField(_("bytes dropped"), default=0)
    first_at = models.DateTimeField(_("first dropped at"), default=timezone.now)
    last_at = models.DateTimeField(_("last dropped at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-last_at"]
        verbose_name = _("dropped dead letters")
        verbose_name_plural = _("dropped dead letters")

    def __str__(self):
        return f"{self.sender}: {self.messages}"
