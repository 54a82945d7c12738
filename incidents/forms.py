from django import forms
from django.utils.translation import gettext_lazy as _

from incidents.models import Incident, IncidentType, Severity


class IncidentForm(forms.Form):
    type = forms.ModelChoiceField(IncidentType.objects.all(), label=_("Type"), to_field_name="code",
                                  empty_label=_("— choose a type —"))
    severity = forms.ChoiceField(choices=Severity.choices, label=_("Severity"), initial=Severity.IV)
    lon = forms.CharField(label=_("Longitude"), help_text=_("Click the map, or type decimal degrees (e.g. 113.6)."))
    lat = forms.CharField(label=_("Latitude"), help_text=_("Decimal degrees (e.g. 22.75)."))
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    title = forms.CharField(label=_("Title"), max_length=200, required=False,
                            help_text=_("Left empty, the type and address make the title."))
    caller_name = forms.CharField(label=_("Caller name"), max_length=100, required=False)
    caller_phone = forms.CharField(label=_("Caller phone"), max_length=32, required=False)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False)


class RecordCallForm(forms.Form):
    caller_name = forms.CharField(label=_("Caller name"), max_length=100, required=False)
    caller_phone = forms.CharField(label=_("Caller phone"), max_length=32, required=False)
    note = forms.CharField(label=_("What the caller said"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Incident.Status.choices)
    note = forms.CharField(required=False, max_length=500)


class SeverityForm(forms.Form):
    severity = forms.ChoiceField(choices=Severity.choices, label=_("Severity"))
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}))
