"""The console form: it parses; alerts.services validates and writes."""

from django import forms
from django.utils.translation import gettext_lazy as _

from alerts.geometry import area_to_cap
from alerts.models import CapSeverity, Category, Certainty, Level, Urgency
from incidents.models import Incident
from notices.models import ContactGroup

_LOCAL = "%Y-%m-%dT%H:%M"


def _from_level(choices):
    return [("", _("From the level"))] + list(choices)


class AlertForm(forms.Form):
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices)
    event = forms.CharField(label=_("Event"), max_length=100)
    headline = forms.CharField(label=_("Headline"), max_length=160)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}))
    instructions = forms.CharField(label=_("Instructions to the public"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 3}))
    area = forms.CharField(
        label=_("Area (CAP polygon)"), widget=forms.Textarea(attrs={"rows": 4, "data-area-input": ""}),
        help_text=_('Points as "latitude,longitude" separated by spaces, the first repeated at the end; '
                    "one polygon per line. Or click the map."))
    area_description = forms.CharField(label=_("Area description"), max_length=300)
    effective = forms.DateTimeField(label=_("Effective from"), required=False,
                                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=_LOCAL),
                                    help_text=_("Empty: effective when issued."))
    expires = forms.DateTimeField(label=_("Expires at"),
                                  widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=_LOCAL))
    category = forms.ChoiceField(label=_("CAP category"), choices=Category.choices, initial=Category.MET)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=_from_level(Urgency.choices), required=False)
    severity = forms.ChoiceField(label=_("Severity"), choices=_from_level(CapSeverity.choices), required=False)
    certainty = forms.ChoiceField(label=_("Certainty"), choices=_from_level(Certainty.choices), required=False)
    incident = forms.ModelChoiceField(label=_("Incident"), required=False,
                                      queryset=Incident.objects.filter(status__in=Incident.OPEN_STATUSES))
    exercise = forms.BooleanField(label=_("Exercise (演练 / EXERCISE)"), required=False,
                                  help_text=_("A drill's warning: CAP status Exercise, marked everywhere. Set "
                                              "by itself for an exercise incident."))
    notify_groups = forms.ModelMultipleChoiceField(
        label=_("Groups to notify"), required=False, queryset=ContactGroup.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Notified by SMS and the app when the warning is issued; orange and red warnings also "
                    "reach the groups that take their level."))
    event_en = forms.CharField(label=_("Event (English)"), max_length=100, required=False)
    headline_en = forms.CharField(label=_("Headline (English)"), max_length=160, required=False,
                                  help_text=_("With an English headline the CAP message gets a second, en-US info."))
    description_en = forms.CharField(label=_("Description (English)"), required=False,
                                     widget=forms.Textarea(attrs={"rows": 3}))
    instructions_en = forms.CharField(label=_("Instructions (English)"), required=False,
                                      widget=forms.Textarea(attrs={"rows": 2}))

    @classmethod
    def for_alert(cls, alert, **kwargs):
        initial = {name: getattr(alert, name) for name in cls.base_fields if name != "area"}
        initial["area"] = "\n".join(area_to_cap(alert.area))
        initial["incident"] = alert.incident_id
        initial["notify_groups"] = [g.pk for g in alert.notify_groups.all()]
        return cls(initial=initial, **kwargs)

    def changes(self, *, only_changed=False) -> dict:
        data = dict(self.cleaned_data)
        if only_changed:
            data = {k: v for k, v in data.items() if k in self.changed_data}
        return data

    def add_domain_errors(self, exc) -> None:
        for field, messages in exc.data.items():
            for message in messages if isinstance(messages, list) else [messages]:
                self.add_error(field if field in self.fields else None, message)
        if not exc.data:
            self.add_error(None, exc.message)
