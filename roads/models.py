"""The road network: edges between nodes, as pgRouting reads them, and closures in time.

An edge is one stretch of road from a junction (or dead end) to the next, with its class,
speed limit, direction and whether hazardous goods may use it. `source` and `target` are
node ids written by roads.services.network_rebuild from the edges' end points: pgRouting
routes on those integers, never on the geometry.
"""

from django.contrib.gis.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class RoadClass(models.TextChoices):
    MOTORWAY = "motorway", _("Motorway")
    TRUNK = "trunk", _("Trunk road")
    PRIMARY = "primary", _("Primary road")
    SECONDARY = "secondary", _("Secondary road")
    TERTIARY = "tertiary", _("Tertiary road")
    RESIDENTIAL = "residential", _("Residential street")
    SERVICE = "service", _("Service road")
    TRACK = "track", _("Track")


class RoadEdge(models.Model):
    name = models.CharField(_("name"), max_length=200, blank=True)
    road_class = models.CharField(_("road class"), max_length=16, choices=RoadClass.choices,
                                  default=RoadClass.TERTIARY)
    speed_limit_kmh = models.PositiveSmallIntegerField(
        _("speed limit (km/h)"), null=True, blank=True,
        help_text=_("Empty: the usual speed of the road class."))
    hazmat_allowed = models.BooleanField(
        _("open to hazardous goods"), default=False,
        help_text=_("Hazardous-chemical vehicles are routed only on these roads."))
    oneway = models.BooleanField(_("one-way"), default=False,
                                 help_text=_("Traffic only in the direction the line is drawn."))
    geometry = models.LineStringField(_("geometry"), srid=4326)
    length_m = models.FloatField(_("length (m)"), default=0, editable=False)
    source = models.IntegerField(_("from node"), null=True, editable=False, db_index=True)
    target = models.IntegerField(_("to node"), null=True, editable=False, db_index=True)
    origin = models.CharField(_("imported from"), max_length=100, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("road edge")
        verbose_name_plural = _("road edges")
        # roads.routing.top_speed_kmh: which classes of road the network has, a probe each.
        indexes = [models.Index(fields=["road_class"], name="road_edge_class")]

    def __str__(self):
        return self.name or f"#{self.pk}"


class RoadNode(models.Model):
    """A junction or dead end; rebuilt with the edges (services.network_rebuild). `hazmat` says
    whether a road open to hazardous goods reaches it, so a hazmat route starts on one."""

    id = models.IntegerField(primary_key=True)
    location = models.PointField(_("location"), srid=4326)
    hazmat = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("road node")
        verbose_name_plural = _("road nodes")


class RoadClosure(models.Model):
    """A road closed for a while (works, an incident, a checkpoint): routes avoid it then."""

    edge = models.ForeignKey(RoadEdge, on_delete=models.CASCADE, related_name="closures",
                             verbose_name=_("road edge"))
    starts_at = models.DateTimeField(_("closed from"))
    ends_at = models.DateTimeField(_("closed until"), null=True, blank=True,
                                   help_text=_("Empty: closed until further notice."))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("road closure")
        verbose_name_plural = _("road closures")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
                                   name="road_closure_ends_after_start",
                                   violation_error_message=_("A closure must end after it starts.")),
        ]

    def __str__(self):
        return f"{self.edge} {self.starts_at:%Y-%m-%d %H:%M}"
