from django import forms
from django.utils.translation import gettext_lazy as _

from notices.models import Channel, Contact, ContactGroup


class NoticeForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Text"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    groups = forms.ModelMultipleChoiceField(label=_("Groups"), queryset=ContactGroup.objects.order_by("name"),
                                            required=False)
    contacts = forms.ModelMultipleChoiceField(label=_("Contacts"), queryset=Contact.objects.filter(active=True),
                                              required=False, widget=forms.SelectMultiple(attrs={"size": 8}))
    channels = forms.MultipleChoiceField(label=_("Channels"), choices=Channel.choices, initial=["app", "sms"],
                                         widget=forms.CheckboxSelectMultiple)
    confirm_within_min = forms.IntegerField(label=_("Confirm within (minutes)"), min_value=1, max_value=7 * 24 * 60,
                                            required=False)
    incident = forms.IntegerField(label=_("Incident id"), min_value=1, max_value=2**31 - 1, required=False)
    drill = forms.BooleanField(label=_("Drill (演练)"), required=False)

    def changes(self) -> dict:
        data = self.cleaned_data
        minutes = data.get("confirm_within_min")
        return {"title": data["title"], "body": data["body"], "groups": [g.pk for g in data["groups"]],
                "contacts": [c.pk for c in data["contacts"]], "channels_wanted": data["channels"],
                "confirm_within_s": minutes * 60 if minutes else None, "incident_id": data.get("incident"),
                "drill": data["drill"]}
