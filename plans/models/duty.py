import secrets

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.db import models
from django.db.models import F, Func, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from incidents.models import Incident
from plans.models.activation import Task


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class DutyPost(models.Model):
    """A seat on the duty roster: 带班领导, 值班员, dispatcher, technical support…"""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    role = models.CharField(
        _("role needed"), max_length=32, blank=True,
        choices=[("duty_officer", _("Duty officer")), ("dispatcher", _("Dispatcher")), ("commander", _("Commander")),
                 ("planner", _("Planner"))],
        help_text=_("Only people with this role can take the post. Empty: anyone with a duty role "
                    "(duty officer, dispatcher, commander, planner)."))
    requires_cover = models.BooleanField(
        _("must be covered around the clock"), default=True,
        help_text=_("Uncovered hours of such a post are listed as gaps before they happen."))

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("duty post")
        verbose_name_plural = _("duty posts")

    def __str__(self):
        return self.name


class Shift(models.Model):
    post = models.ForeignKey(DutyPost, on_delete=models.PROTECT, related_name="shifts", verbose_name=_("post"))
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="duty_shifts",
                               verbose_name=_("person"))
    start = models.DateTimeField(_("start"), db_index=True)
    end = models.DateTimeField(_("end"), db_index=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["start", "post"]
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="shift_ends_after_start",
                                   violation_error_message=_("A shift must end after it starts.")),
            # One person cannot be in two places: the database refuses overlapping shifts
            # even if two planners import rosters at once.
            ExclusionConstraint(
                name="shift_no_overlap_per_person",
                expressions=[(TsTzRange("start", "end"), RangeOperators.OVERLAPS),
                             ("person", RangeOperators.EQUAL)],
                violation_error_message=_("This person already has a shift at that time."),
            ),
        ]

    def __str__(self):
        return f"{self.post} {self.person} {timezone.localtime(self.start):%Y-%m-%d %H:%M}"


class Handover(models.Model):
    """交接班: the outgoing officer's note with what is still open; the incoming one confirms."""

    post = models.ForeignKey(DutyPost, on_delete=models.PROTECT, related_name="handovers", verbose_name=_("post"))
    outgoing_shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="+",
                                       verbose_name=_("outgoing shift"))
    incoming_shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="+",
                                       verbose_name=_("incoming shift"))
    outgoing = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("outgoing officer"))
    incoming = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("incoming officer"))
    note = models.TextField(_("note"))
    incidents = models.ManyToManyField(Incident, blank=True, related_name="+", verbose_name=_("open incidents"))
    tasks = models.ManyToManyField(Task, blank=True, related_name="+", verbose_name=_("open tasks"))
    created_at = models.DateTimeField(_("handed over at"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("receipt confirmed at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
        constraints = [
            models.UniqueConstraint(fields=["outgoing_shift"], name="handover_one_per_shift",
                                    violation_error_message=_("This shift has already been handed over.")),
        ]

    def __str__(self):
        return f"{self.post} {self.outgoing} → {self.incoming}"


def _new_token() -> str:
    return secrets.token_urlsafe(24)


class CalendarToken(models.Model):
    """The secret in a person's roster feed URL, for calendar apps that cannot log in."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roster_token",
                                verbose_name=_("user"))
    token = models.CharField(_("token"), max_length=64, unique=True, default=_new_token)

    class Meta:
        verbose_name = _("roster feed token")
        verbose_name_plural = _("roster feed tokens")

    def __str__(self):
        return str(self.user)
