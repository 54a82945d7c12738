from django import forms
from django.utils.translation import gettext_lazy as _

from incidents.models import Incident, IncidentType, Severity


class IncidentForm(forms.Form):
    type = forms.ModelChoiceField(IncidentType.objects.all(), label=_("Type"), to_field_name="code",
                                  empty_label=_("— choose a type —"),
                                  widget=forms.Select(attrs={"autofocus": True}))  # the call-taker types at once
    severity = forms.ChoiceField(choices=Severity.choices, label=_("Severity"), initial=Severity.IV)
    lon = forms.CharField(label=_("Longitude"), help_text=_("Click the map, or type decimal degrees (e.g. 113.6)."))
    lat = forms.CharField(label=_("Latitude"), help_text=_("Decimal degrees (e.g. 22.75)."))
    address = forms.CharField(label=_("Address"), max_length=300, required=False,
                              help_text=_("Type a road, building, enterprise or village and pick a place: "
                                          "it sets the coordinates."),
                              widget=forms.TextInput(attrs={"autocomplete": "off", "role": "combobox",
                                                            "aria-autocomplete": "list",
                                                            "aria-controls": "place-suggestions"}))
    title = forms.CharField(label=_("Title"), max_length=200, required=False,
                            help_text=_("Left empty, the type and address make the title."))
    caller_name = forms.CharField(label=_("Caller name"), max_length=100, required=False)
    caller_phone = forms.CharField(label=_("Caller phone"), max_length=32, required=False)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    outside_district = forms.BooleanField(
        label=_("Outside the district / mutual aid"), required=False,
        help_text=_("Tick only to log a point outside the district on purpose (a mutual-aid request)."))
    exercise = forms.BooleanField(
        label=_("Exercise (演练 / EXERCISE)"), required=False,
        help_text=_("Tick only for a drill: it is labelled everywhere and never counts in the statistics."))
    # When the call was answered: the page's own time of opening, so the record counts from the call.
    call_started = forms.CharField(required=False, widget=forms.HiddenInput)

    field_order = ["type", "severity", "address", "lon", "lat"]

    def clean_call_started(self):
        from datetime import timedelta

        from django.utils import timezone
        from django.utils.dateparse import parse_datetime

        try:
            value = parse_datetime((self.cleaned_data.get("call_started") or "")[:64])
        except (ValueError, OverflowError):
            value = None
        if value is not None and timezone.is_naive(value):
            value = timezone.make_aware(value)
        now = timezone.now()
        # A stale or forged time is ignored rather than refused: the call is then counted from now.
        if value is None or value > now or value < now - timedelta(hours=2):
            return None
        return value


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
