"""The park's IoT devices (docs/contract.md "Devices"): each one an identity on the broker, bound to the
points it may report, with its calibration (JJG 693: gas detectors at least yearly).

Secrets are never stored: the broker keeps a salted hash of the MQTT password (dynamic
security plugin), and we keep a SHA-256 of the HTTP token."""

from __future__ import annotations

import datetime as dt

from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hazards.models import Enterprise
from monitoring.models import MonitoringPoint

# Codes end up in topics and usernames: no wildcards, separators or spaces.
CODE_VALIDATOR = RegexValidator(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,47}\Z",
                                _("Use 1-48 letters, digits, '-', '_' or '.', starting with a letter or digit."))
# A plate or gate code, as it appears in park/vehicles/<plate> or park/gates/<code>.
SUBJECT_VALIDATOR = RegexValidator(r"^[^\s/#+$\x00]{1,32}\Z",
                                   _("At most 32 characters, without spaces, '/', '#', '+' or '$'."))


class DeviceKind(models.TextChoices):
    GATEWAY = "gateway", pgettext_lazy("device kind", "Site gateway")
    SENSOR = "sensor", pgettext_lazy("device kind", "Standalone sensor")
    GATE = "gate", pgettext_lazy("device kind", "Gate controller")
    VEHICLE_TERMINAL = "vehicle_terminal", pgettext_lazy("device kind", "Vehicle terminal")


class Device(models.Model):
    code = models.CharField(_("code"), max_length=48, unique=True, validators=[CODE_VALIDATOR])
    kind = models.CharField(_("kind"), max_length=20, choices=DeviceKind.choices)
    name = models.CharField(_("name"), max_length=200, blank=True)
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="devices", verbose_name=_("enterprise"))
    points = models.ManyToManyField(MonitoringPoint, blank=True, related_name="devices",
                                    verbose_name=_("monitoring points"))
    subject = models.CharField(_("gate code or plate"), max_length=32, blank=True, validators=[SUBJECT_VALIDATOR],
                               help_text=_("A gate controller's gate code, a vehicle terminal's plate."))
    vendor = models.CharField(_("vendor"), max_length=100, blank=True)
    model = models.CharField(_("model"), max_length=100, blank=True)
    serial = models.CharField(_("serial number"), max_length=100, blank=True)
    installed_at = models.DateField(_("installed on"), null=True, blank=True)
    calibrated_at = models.DateField(_("last calibrated on"), null=True, blank=True)
    calibration_interval_days = models.PositiveIntegerField(
        _("calibration interval (days)"), null=True, blank=True,
        help_text=_("Gas detectors: at most 365 (JJG 693). Empty: no periodic calibration."))
    mqtt_username = models.CharField(_("MQTT username"), max_length=64, unique=True, editable=False)
    # NULL, not "": unique among issued tokens, and a revoked device has none.
    token_hash = models.CharField(max_length=64, unique=True, null=True, editable=False)  # noqa: DJ001
    secrets_issued_at = models.DateTimeField(_("secrets issued at"), null=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("IoT device")
        verbose_name_plural = _("IoT devices")
        constraints = [
            models.UniqueConstraint(fields=["vendor", "serial"], condition=~models.Q(serial=""),
                                    name="device_vendor_serial_unique"),
        ]

    def __str__(self):
        return f"{self.code} ({self.get_kind_display()})"

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @property
    def calibration_due(self) -> dt.date | None:
        if not self.calibration_interval_days:
            return None
        if self.calibrated_at is None:
            return self.installed_at or self.created_at.date()
        return self.calibrated_at + dt.timedelta(days=self.calibration_interval_days)

    def calibration_overdue(self, today: dt.date | None = None) -> bool:
        due = self.calibration_due
        return bool(self.active and due is not None and due < (today or timezone.localdate()))
