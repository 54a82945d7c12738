import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.text import validate_storable
from hazards.models import Enterprise
from safety import rules, special_work
from safety.models import Contractor, HiddenDanger, PermitSpotCheck, WorkPermit

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
    place = forms.CharField(label=_("Where"), max_length=200, required=False)
    lon = forms.FloatField(label=_("Longitude"), min_value=-180, max_value=180, required=False)
    lat = forms.FloatField(label=_("Latitude"), min_value=-90, max_value=90, required=False)
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

    def clean(self):
        data = super().clean()
        if (data.get("lon") is None) != (data.get("lat") is None):
            self.add_error("lat" if data.get("lat") is None else "lon",
                           _("Give both longitude and latitude, or neither."))
        return data


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
    contractor = forms.ModelChoiceField(Contractor.objects.none(), label=_("Contractor doing the work"),
                                        required=False, empty_label=_("The enterprise's own staff"))
    equipment = forms.CharField(label=_("Pipeline, vessel or space (tag)"), max_length=100, required=False)
    medium = forms.CharField(label=_("Toxic medium (CAS)"), max_length=16, required=False)
    toxic_limit_ppm = forms.FloatField(label=_("Toxic gas limit (ppm), if stricter than GBZ 2.1"), min_value=0,
                                       required=False)
    oxygen_equipment = forms.BooleanField(label=_("On equipment that produces, uses or stores oxygen"), required=False)
    continuous_monitor = forms.CharField(label=_("Continuous gas monitor (特级 hot work)"), max_length=100,
                                         required=False)
    wind_force = forms.IntegerField(label=_("Wind force (Beaufort)"), min_value=0, max_value=17, required=False)
    rest_day = forms.BooleanField(label=_("On a public holiday"), required=False)
    extension_reason = forms.CharField(label=_("Why temporary power runs longer than 15 days"), max_length=400,
                                       required=False)
    height_m = forms.DecimalField(label=_("Working height (m), work at height"), min_value=0, max_value=1000,
                                  max_digits=6, decimal_places=1, required=False)
    load_t = forms.DecimalField(label=_("Load (t), lifting"), min_value=0, max_value=20000, max_digits=7,
                                decimal_places=1, required=False)

    def __init__(self, *args, enterprises=None, contractors=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = enterprises if enterprises is not None else Enterprise.objects.none()
        if enterprises is not None and enterprises.count() == 1:
            self.fields["enterprise"].initial = enterprises.first().pk
        self.fields["contractor"].queryset = contractors if contractors is not None else Contractor.objects.none()
        self.fields["contractor"].label_from_instance = lambda c: f"{c.enterprise.code} · {c.name}"


class ApprovalForm(DomainErrorsMixin, StorableTextForm):
    level = forms.ChoiceField(label=_("Approver level (GB 30871-2022 Appendix B)"),
                              choices=[(k, v) for k, v in special_work.APPROVER_LABELS.items()])
    approver = forms.CharField(label=_("Approver"), max_length=100)
    on_site = forms.BooleanField(label=_("Checked the place of work on site"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=4000)


class SpotCheckForm(DomainErrorsMixin, StorableTextForm):
    result = forms.ChoiceField(label=_("Result"), choices=PermitSpotCheck.Result.choices)
    findings = forms.CharField(label=_("Findings"), widget=forms.Textarea(attrs={"rows": 2}), required=False,
                               max_length=4000)


class ContractorForm(DomainErrorsMixin, StorableTextForm):
    enterprise = forms.ModelChoiceField(Enterprise.objects.none(), label=_("Enterprise"))
    name = forms.CharField(label=_("Contractor"), max_length=200)
    credit_code = forms.CharField(label=_("Unified social credit code"), max_length=18)
    contact = forms.CharField(label=_("Contact person"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    kind = forms.CharField(label=_("Qualification"), max_length=100)
    number = forms.CharField(label=_("Certificate number"), max_length=64)
    valid_to = forms.DateField(label=_("Valid to"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, enterprises=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = enterprises if enterprises is not None else Enterprise.objects.none()
        if enterprises is not None and enterprises.count() == 1:
            self.fields["enterprise"].initial = enterprises.first().pk


class QualificationForm(DomainErrorsMixin, StorableTextForm):
    kind = forms.CharField(label=_("Qualification"), max_length=100)
    number = forms.CharField(label=_("Certificate number"), max_length=64)
    valid_to = forms.DateField(label=_("Valid to"), widget=forms.DateInput(attrs={"type": "date"}))


class FilingForm(DomainErrorsMixin, StorableTextForm):
    """报备 of special work ahead of its permit."""

    enterprise = forms.ModelChoiceField(Enterprise.objects.none(), label=_("Enterprise"))
    kind = forms.ChoiceField(label=_("Kind"), choices=WorkPermit.Kind.choices)
    grade = forms.ChoiceField(label=_("Hot-work grade"), choices=[("", "—"), *WorkPermit.Grade.choices], required=False)
    place = forms.CharField(label=pgettext_lazy("work permit", "Place"), max_length=200)
    planned_from = forms.DateTimeField(label=_("Planned from"), widget=DATETIME, input_formats=DATETIME_FORMATS)
    planned_to = forms.DateTimeField(label=_("Planned to"), widget=DATETIME, input_formats=DATETIME_FORMATS)

    def __init__(self, *args, enterprises=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = enterprises if enterprises is not None else Enterprise.objects.none()
        if enterprises is not None and enterprises.count() == 1:
            self.fields["enterprise"].initial = enterprises.first().pk


class StatsForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


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
