"""Closed park management (DOMAIN.md "Closed park management", 封闭化管理): the park's zones and
gates, each passage through a gate, who is where, hazardous-chemical vehicles' appointments
(预约), their positions, and the alarms when a rule is broken."""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.core.validators import MinValueValidator, RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hazards.models import Enterprise

# Gate codes and plates travel in topics (park/gates/<code>, park/vehicles/<plate>).
CODE_VALIDATOR = RegexValidator(r"^[^\s/#+$\x00]{1,32}\Z",
                                _("At most 32 characters, without spaces, '/', '#', '+' or '$'."))
UN_VALIDATOR = RegexValidator(r"^(UN)?[0-9]{4}\Z", _("A UN number is four digits, e.g. 1005 (or UN1005)."))


class ParkZone(models.Model):
    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", pgettext_lazy("park zone", "Enterprise site")
        PUBLIC = "public", pgettext_lazy("park zone", "Public road or area")
        PARKING = "parking", pgettext_lazy("park zone", "Parking lot")

    code = models.CharField(_("code"), max_length=32, unique=True, validators=[CODE_VALIDATOR])
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    area = models.PolygonField(_("area"), srid=4326)
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="park_zones", verbose_name=_("enterprise"))
    hazmat_lot = models.BooleanField(_("hazardous-goods parking lot"), default=False,
                                     help_text=_("A lot where hazardous-chemical vehicles may park (停车场)."))
    capacity = models.PositiveIntegerField(_("capacity (vehicles)"), null=True, blank=True,
                                           help_text=_("Parking lots: places for vehicles."))

    class Meta:
        ordering = ["code"]
        verbose_name = _("park zone")
        verbose_name_plural = _("park zones")

    def __str__(self):
        return f"{self.code} {self.name}"


class Gate(models.Model):
    class Kind(models.TextChoices):
        VEHICLE = "vehicle", pgettext_lazy("gate", "Vehicle lane")
        PERSON = "person", pgettext_lazy("gate", "Person lane")

    code = models.CharField(_("code"), max_length=32, unique=True, validators=[CODE_VALIDATOR])
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    location = models.PointField(_("location"), srid=4326)
    zone_inside = models.ForeignKey(ParkZone, on_delete=models.PROTECT, related_name="gates_in",
                                    verbose_name=_("zone inside"), help_text=_("The zone a passage “in” enters."))
    zone_outside = models.ForeignKey(ParkZone, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="gates_out", verbose_name=_("zone outside"),
                                     help_text=_("Empty: the gate leads out of the park."))

    class Meta:
        ordering = ["code"]
        verbose_name = _("gate")
        verbose_name_plural = _("gates")

    def __str__(self):
        return f"{self.code} {self.name}"


class Direction(models.TextChoices):
    IN = "in", _("in")
    OUT = "out", _("out")


class Passage(models.Model):
    """One passage through a gate, as its device reported it; stored once per gate, time and
    plate or person (a device that sends again is not counted twice)."""

    gate = models.ForeignKey(Gate, on_delete=models.PROTECT, related_name="passages", verbose_name=_("gate"))
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    at = models.DateTimeField(_("at"), db_index=True)
    plate = models.CharField(_("plate"), max_length=32, blank=True)
    person = models.CharField(_("person"), max_length=64, blank=True)
    vehicle_class = models.CharField(_("vehicle class"), max_length=16, blank=True)
    device = models.CharField(_("reported by"), max_length=48, blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("passage")
        verbose_name_plural = _("passages")
        constraints = [models.UniqueConstraint(fields=["gate", "at", "plate", "person"], name="park_passage_once")]


class ZoneAdjustment(models.Model):
    """An operator's correction of a zone's count, on top of the stays (a missed exit, a
    turnstile that failed): kept until the nightly count, which starts afresh."""

    zone = models.OneToOneField(ParkZone, on_delete=models.CASCADE, related_name="adjustment", primary_key=True)
    people = models.IntegerField(default=0)
    vehicles = models.IntegerField(default=0)
    hazmat_vehicles = models.IntegerField(default=0)


class Correction(models.Model):
    """A record of each correction: who set which counts, from what."""

    class Source(models.TextChoices):
        OPERATOR = "operator", _("operator")
        NIGHTLY = "nightly", _("nightly count")

    zone = models.ForeignKey(ParkZone, on_delete=models.CASCADE, null=True, blank=True, related_name="corrections")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.OPERATOR)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at"]


class HazmatAppointment(models.Model):
    class State(models.TextChoices):
        APPROVED = "approved", _("approved")
        REFUSED = "refused", _("refused")

    class RouteBasis(models.TextChoices):
        ROAD = "road", _("road network")
        STRAIGHT_LINE = "straight_line", _("straight line (no road data)")

    plate = models.CharField(_("plate"), max_length=32, validators=[CODE_VALIDATOR], db_index=True)
    driver = models.CharField(_("driver"), max_length=100)
    driver_licence = models.CharField(_("driver's qualification number"), max_length=64, blank=True)
    driver_licence_valid_to = models.DateField(_("driver's qualification valid to"))
    escort = models.CharField(_("escort (押运员)"), max_length=100)
    escort_licence = models.CharField(_("escort's qualification number"), max_length=64, blank=True)
    escort_licence_valid_to = models.DateField(_("escort's qualification valid to"))
    un_number = models.CharField(_("UN number"), max_length=6, validators=[UN_VALIDATOR])
    quantity_t = models.FloatField(_("quantity (t)"), validators=[MinValueValidator(0)])
    destination = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="hazmat_appointments",
                                    verbose_name=_("destination"))
    window_from = models.DateTimeField(_("window from"))
    window_to = models.DateTimeField(_("window to"))
    gate = models.ForeignKey(Gate, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("gate"))
    lot = models.ForeignKey(ParkZone, on_delete=models.PROTECT, null=True, blank=True, related_name="appointments",
                            verbose_name=_("parking lot"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    route = models.LineStringField(_("route"), srid=4326, null=True, blank=True)
    route_length_m = models.FloatField(_("route length (m)"), null=True, blank=True)
    route_basis = models.CharField(_("route basis"), max_length=16, choices=RouteBasis.choices, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+", verbose_name=_("booked by"))
    created_at = models.DateTimeField(_("booked at"), default=timezone.now)

    class Meta:
        ordering = ["-window_from"]
        verbose_name = _("hazmat appointment")
        verbose_name_plural = _("hazmat appointments")
        indexes = [models.Index(fields=["plate", "window_from", "window_to"])]


class Stay(models.Model):
    """Where a person or vehicle is now, from its last passage (a zone, or gone: no row). The
    counts per zone are these rows (plus an operator's adjustment), so a person seen again at
    another gate corrects a missed passage by itself; the nightly count ends stays older than
    PARK_STAY_MAX_H (a missed exit)."""

    class Kind(models.TextChoices):
        PERSON = "person", _("person")
        VEHICLE = "vehicle", _("vehicle")

    kind = models.CharField(max_length=8, choices=Kind.choices)
    subject = models.CharField(max_length=64)
    zone = models.ForeignKey(ParkZone, on_delete=models.CASCADE, related_name="stays")
    hazmat = models.BooleanField(default=False)
    appointment = models.ForeignKey("HazmatAppointment", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="stays")
    since = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "subject"], name="park_stay_one")]
        indexes = [models.Index(fields=["zone", "kind"])]


class AlarmState(models.TextChoices):
    ACTIVE = "active", _("active")
    ACKNOWLEDGED = "acknowledged", _("acknowledged")
    CLEARED = "cleared", _("cleared")


class GateAlarm(models.Model):
    class Kind(models.TextChoices):
        NO_APPOINTMENT = "no_appointment", _("no appointment")
        WRONG_GATE = "wrong_gate", _("appointment for another gate")
        OUTSIDE_WINDOW = "outside_window", _("outside the appointment's window")
        EXPIRED_QUALIFICATION = "expired_qualification", _("expired qualification")

    gate = models.ForeignKey(Gate, on_delete=models.PROTECT, related_name="alarms", verbose_name=_("gate"))
    passage = models.OneToOneField(Passage, on_delete=models.CASCADE, related_name="alarm")
    plate = models.CharField(_("plate"), max_length=32)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    reason = models.CharField(_("reason"), max_length=300)
    enterprise = models.ForeignKey(Enterprise, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    state = models.CharField(_("state"), max_length=12, choices=AlarmState.choices, default=AlarmState.ACTIVE)
    raised_at = models.DateTimeField(_("raised at"), db_index=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                        blank=True, related_name="+")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-raised_at"]
        verbose_name = _("gate alarm")
        verbose_name_plural = _("gate alarms")


class VehiclePosition(models.Model):
    """A vehicle's reported position; kept PARK_POSITION_RETENTION_DAYS (privacy)."""

    plate = models.CharField(max_length=32)
    ts = models.DateTimeField()
    location = models.PointField(srid=4326)
    speed_kmh = models.FloatField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plate", "ts"], name="park_position_once")]
        indexes = [models.Index(fields=["ts"])]


class VehicleTrack(models.Model):
    """A vehicle's live state: its last position, since when it stands still, its alarms in force."""

    plate = models.CharField(max_length=32, primary_key=True)
    ts = models.DateTimeField()
    location = models.PointField(srid=4326)
    speed_kmh = models.FloatField(null=True, blank=True)
    stopped_since = models.DateTimeField(null=True, blank=True)


class VehicleAlarm(models.Model):
    class Kind(models.TextChoices):
        OFF_ROUTE = "off_route", _("off route")
        SPEEDING = "speeding", _("speeding")
        STOPPED = "stopped", _("stopped outside a parking lot")

    plate = models.CharField(_("plate"), max_length=32, db_index=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=12, choices=AlarmState.choices, default=AlarmState.ACTIVE)
    raised_at = models.DateTimeField(_("raised at"), db_index=True)
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True)
    location = models.PointField(_("location"), srid=4326)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    appointment = models.ForeignKey(HazmatAppointment, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="alarms")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                        blank=True, related_name="+")

    class Meta:
        ordering = ["-raised_at"]
        verbose_name = _("vehicle alarm")
        verbose_name_plural = _("vehicle alarms")
        constraints = [models.UniqueConstraint(fields=["plate", "kind"], condition=models.Q(cleared_at__isnull=True),
                                               name="park_vehicle_alarm_one_open")]
