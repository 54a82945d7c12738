from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Area(models.Model):
    """A town (镇) or sub-district (街道) of the district."""

    class Kind(models.TextChoices):
        TOWN = "town", _("Town")
        SUBDISTRICT = "subdistrict", _("Sub-district")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    population = models.PositiveIntegerField(_("population"), default=0)
    boundary = models.MultiPolygonField(_("boundary"), srid=4326)

    class Meta:
        ordering = ["code"]
        verbose_name = _("area")
        verbose_name_plural = _("areas")

    def __str__(self):
        return self.name


class Agency(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    phone = models.CharField(_("duty phone"), max_length=32, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self):
        return self.name


class Depot(models.Model):
    """A station, depot or warehouse where units are based and supplies are stored."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, verbose_name=_("agency"))
    address = models.CharField(_("address"), max_length=300, blank=True)
    location = models.PointField(_("location"), srid=4326, geography=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("depot")
        verbose_name_plural = _("depots")

    def __str__(self):
        return self.name


class Resource(models.Model):
    """A dispatchable unit (team, vehicle), equipment, a supply stock or a shelter."""

    class Kind(models.TextChoices):
        RESCUE_TEAM = "rescue_team", _("Rescue team")
        FIRE_ENGINE = "fire_engine", _("Fire engine")
        AMBULANCE = "ambulance", _("Ambulance")
        HAZMAT_UNIT = "hazmat_unit", _("Hazmat unit")
        BOAT = "boat", _("Boat")
        POLICE_CAR = "police_car", _("Police car")
        MEDICAL_TEAM = "medical_team", _("Medical team")
        ENGINEERING = "engineering", _("Engineering team")
        EQUIPMENT = "equipment", _("Equipment")
        SUPPLY_STOCK = "supply_stock", _("Supply stock")
        SHELTER = "shelter", _("Shelter")

    class Status(models.TextChoices):
        AVAILABLE = "available", _("Available")
        DISPATCHED = "dispatched", _("Dispatched")
        EN_ROUTE = "en_route", _("En route")
        ON_SCENE = "on_scene", _("On scene")
        OUT_OF_SERVICE = "out_of_service", _("Out of service")

    # Kinds that are sent to incidents with people on board; others are tracked only.
    DISPATCHABLE_KINDS = (
        Kind.RESCUE_TEAM, Kind.FIRE_ENGINE, Kind.AMBULANCE, Kind.HAZMAT_UNIT, Kind.BOAT,
        Kind.POLICE_CAR, Kind.MEDICAL_TEAM, Kind.ENGINEERING,
    )
    BUSY_STATUSES = (Status.DISPATCHED, Status.EN_ROUTE, Status.ON_SCENE)

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices, db_index=True)
    capabilities = ArrayField(models.CharField(max_length=32), default=list, blank=True,
                              verbose_name=_("capabilities"))
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, verbose_name=_("agency"))
    home_depot = models.ForeignKey(Depot, on_delete=models.SET_NULL, null=True, blank=True,
                                   verbose_name=_("home depot"))
    location = models.PointField(_("current location"), srid=4326, geography=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.AVAILABLE, db_index=True)
    status_since = models.DateTimeField(_("in status since"), default=timezone.now)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True,
                                           help_text=_("Seats, beds or people sheltered, where it applies."))
    occupancy = models.PositiveIntegerField(_("occupancy"), null=True, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"), null=True, blank=True,
                                           help_text=_("Items in stock, for supply stocks and equipment."))
    unit_of_measure = models.CharField(_("unit of measure"), max_length=16, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    # The latest reported position (resources.services), apart from `location` (where it was
    # put: its depot, or where dispatch last placed it). Written with update(), outside the
    # history: a position every 10 s is a track (ResourcePosition), not an edit.
    position = models.PointField(_("reported position"), srid=4326, geography=True, null=True, blank=True,
                                 editable=False)
    position_at = models.DateTimeField(_("position reported at"), null=True, blank=True, editable=False,
                                       db_index=True)
    history = HistoricalRecords(excluded_fields=["position", "position_at"])

    class Meta:
        ordering = ["code"]
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        indexes = [models.Index(fields=["status", "kind"], name="resource_status_kind")]
        constraints = [
            models.CheckConstraint(
                condition=Q(occupancy__isnull=True) | Q(capacity__isnull=False, occupancy__lte=models.F("capacity")),
                name="resource_occupancy_within_capacity",
                violation_error_message=_("Occupancy cannot exceed capacity."),
            ),
            models.CheckConstraint(
                condition=~Q(kind="shelter") | Q(capacity__isnull=False, capacity__gt=0),
                name="resource_shelter_has_capacity",
                violation_error_message=_("A shelter needs a capacity above zero."),
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"

    @property
    def is_dispatchable(self) -> bool:
        return self.kind in self.DISPATCHABLE_KINDS


class Responder(models.Model):
    """A person who answers assignments for one unit."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="responder", verbose_name=_("user"))
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, verbose_name=_("agency"))
    resource = models.ForeignKey(Resource, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="responders", verbose_name=_("unit"))
    phone = models.CharField(_("phone"), max_length=32, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["user__username"]
        verbose_name = _("responder")
        verbose_name_plural = _("responders")

    def __str__(self):
        return self.user.get_full_name() or self.user.username


class ResourcePosition(models.Model):
    """One reported position of a unit (its track), kept POSITION_RETENTION_DAYS days."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="positions",
                                 verbose_name=_("unit"))
    ts = models.DateTimeField(_("time"))
    location = models.PointField(_("location"), srid=4326, geography=True, spatial_index=False)
    speed_kmh = models.FloatField(_("speed (km/h)"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        ordering = ["resource", "-ts"]
        verbose_name = _("unit position")
        verbose_name_plural = _("unit positions")
        constraints = [models.UniqueConstraint(fields=["resource", "ts"], name="resource_position_once")]
        indexes = [models.Index(fields=["ts"], name="resource_position_ts")]

    def __str__(self):
        return f"{self.resource_id} @ {self.ts:%Y-%m-%d %H:%M:%S}"
