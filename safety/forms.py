import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.text import validate_storable
from hazards.models import Enterprise
from safety import rules
from safety.models import HiddenDanger, WorkPermit

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class StorableTextForm(forms.Form):
    """Every text field refuses characters no export can carry (core.text): a form error naming
    the character, instead of a ledger export that fails for everyone later."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                field.validators.append(validate_storable)


class DomainErrorsMixin:
    def add_domain_error(self, exc):
        self.add_error(None, exc.message)


class HiddenDangerForm(DomainErrorsMixin, StorableTextForm):
    enterprise = forms.ModelChoiceField(Enterprise.objects.none(), label=_("Enterprise"))
    title = forms.CharField(label=_("Title"), max_length=200)
    location = forms.CharField(label=_("Where"), max_length=200, required=False)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
                                  max_length=10000)
    level = forms.ChoiceField(label=_("Level"), choices=HiddenDanger.Level.choices, initial="general")
    criteria = forms.MultipleChoiceField(
        label=_("Major hidden danger criteria (安监总管三〔2017〕121号): ticking any makes it major"),
        required=False, widget=forms.CheckboxSelectMultiple)
    deadline = forms.DateTimeField(label=_("Rectify by"), widget=DATETIME, input_formats=DATETIME_FORMATS)
    photo = forms.FileField(label=_("Photo (JPEG, PNG or WebP)"), required=False)
    inspection = forms.IntegerField(label=_("found in inspection draw"), required=False, widget=forms.HiddenInput)

    def __init__(self, *args, enterprises=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = enterprises if enterprises is not None else Enterprise.objects.none()
        if enterprises is not None and enterprises.count() == 1:
            self.fields["enterprise"].initial = enterprises.first().pk
        self.fields["criteria"].choices = [(c["code"], f"{c['code']} {c['text']}")
                                           for c in rules.major_criteria()["criteria"]]
        self.fields["deadline"].initial = timezone.localtime(timezone.now() + dt.timedelta(days=7)).strftime(
            "%Y-%m-%dT%H:%M")


class RectificationForm(DomainErrorsMixin, StorableTextForm):
    measures = forms.CharField(label=_("Measures"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
                               max_length=10000)
    responsible = forms.CharField(label=_("Responsible person"), max_length=100, required=False)
    funds_cny = forms.DecimalField(label=_("Funds (CNY)"), max_digits=14, decimal_places=2, min_value=0,
                                   required=False)
    deadline = forms.DateTimeField(label=_("Rectify by"), widget=DATETIME, input_formats=DATETIME_FORMATS,
                                   required=False)
    contingency = forms.CharField(label=_("Contingency plan"), widget=forms.Textarea(attrs={"rows": 2}),
                                  required=False, max_length=10000)


class VerifyForm(DomainErrorsMixin, StorableTextForm):
    accepted = forms.TypedChoiceField(label=_("Result"), choices=[("1", _("Accepted: close it")),
                                                                  ("0", _("Not accepted: back to rectification"))],
                                      coerce=lambda v: v == "1")
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=4000)


class NoteForm(StorableTextForm):
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=4000)


class PhotoForm(StorableTextForm):
    photo = forms.FileField(label=_("Photo (JPEG, PNG or WebP)"))


class CommitmentForm(DomainErrorsMixin, StorableTextForm):
    units_running = forms.IntegerField(label=_("Units running"), min_value=0, max_value=10_000)
    units_stopped = forms.IntegerField(label=_("Units stopped"), min_value=0, max_value=10_000)
    special_work = forms.IntegerField(label=_("Special work jobs today"), min_value=0, max_value=10_000, initial=0)
    trial_runs = forms.IntegerField(label=_("Trial runs"), min_value=0, max_value=10_000, initial=0)
    startups_shutdowns = forms.IntegerField(label=_("Start-ups and shutdowns"), min_value=0, max_value=10_000,
                                            initial=0)
    risk_level = forms.ChoiceField(label=_("The day's risk level"),
                                   choices=[(c, rules.COLOUR_LABELS[c]) for c in ("blue", "yellow", "orange", "red")])
    note = forms.CharField(label=_("Note"), required=False, max_length=4000)


class PermitForm(DomainErrorsMixin, StorableTextForm):
    enterprise = forms.ModelChoiceField(Enterprise.objects.none(), label=_("Enterprise"))
    kind = forms.ChoiceField(label=_("Kind"), choices=WorkPermit.Kind.choices)
    grade = forms.ChoiceField(label=_("Hot-work grade"), choices=[("", "—"), *WorkPermit.Grade.choices], required=False)
    place = forms.CharField(label=pgettext_lazy("work permit", "Place"), max_length=200)
    valid_from = forms.DateTimeField(label=_("Valid from"), widget=DATETIME, input_formats=DATETIME_FORMATS)
    valid_to = forms.DateTimeField(label=_("Valid to"), widget=DATETIME, input_formats=DATETIME_FORMATS)
    description = forms.CharField(label=_("Work"), required=False, max_length=4000)

    def __init__(self, *args, enterprises=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = enterprises if enterprises is not None else Enterprise.objects.none()
        if enterprises is not None and enterprises.count() == 1:
            self.fields["enterprise"].initial = enterprises.first().pk


class GasTestForm(DomainErrorsMixin, StorableTextForm):
    at = forms.DateTimeField(label=_("Sampled at"), widget=DATETIME, input_formats=DATETIME_FORMATS)
    combustible_percent = forms.FloatField(label=_("Combustible gas (% vol)"), min_value=0, max_value=100,
                                           required=False)
    lel_percent = forms.FloatField(label=_("LEL of the gas (%)"), min_value=0, max_value=100, required=False)
    o2_percent = forms.FloatField(label=_("Oxygen (% vol)"), min_value=0, max_value=100, required=False)
    toxic_ppm = forms.FloatField(label=_("Toxic gas (ppm)"), min_value=0, max_value=1_000_000, required=False)


class DrawForm(StorableTextForm):
    count = forms.IntegerField(label=_("Enterprises to inspect"), min_value=1, max_value=1000, initial=2)
    inspectors = forms.CharField(label=_("Inspectors (comma-separated)"), required=False, max_length=400)


class RiskPointForm(StorableTextForm):
    name = forms.CharField(label=_("Risk point"), max_length=200)
    lon = forms.FloatField(label=_("Longitude"), min_value=-180, max_value=180)
    lat = forms.FloatField(label=_("Latitude"), min_value=-90, max_value=90)
    method = forms.ChoiceField(label=_("Method"), choices=[("LEC", "LEC (D = L·E·C)"), ("LS", "LS (R = L·S)")])
    likelihood = forms.FloatField(label="L", min_value=0)
    exposure = forms.FloatField(label=_("E (LEC only)"), min_value=0, required=False)
    consequence = forms.FloatField(label=_("C (LEC only)"), min_value=0, required=False)
    severity = forms.FloatField(label=_("S (LS only)"), min_value=0, required=False)
    controls = forms.CharField(label=_("Control measures"), required=False, max_length=4000)
