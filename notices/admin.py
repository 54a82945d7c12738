"""Planners keep the directory in the admin (contacts, groups, .xlsx import with a report per
row); notices and receipts are operational records, read-only here (written by services)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from notices import importing, phones
from notices.models import Contact, ContactGroup, GatewayReport, Notice, Receipt


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["name", "organisation", "position", "mobile", "user", "deputy", "groups", "active", "note"]

    def clean_mobile(self):
        raw = self.cleaned_data.get("mobile", "")
        if not raw.strip():
            return ""
        try:
            return phones.normalise_mobile(raw)
        except DomainError as exc:
            raise forms.ValidationError(str(exc.message)) from None


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    form = ContactForm
    list_display = ["name", "organisation", "position", "masked_mobile", "user", "active"]
    list_filter = ["groups", "active"]
    search_fields = ["name", "organisation", "position", "mobile"]
    filter_horizontal = ["groups"]
    autocomplete_fields = ["user", "deputy"]
    change_list_template = "admin/notices/contact/change_list.html"

    @admin.display(description=_("mobile"))
    def masked_mobile(self, obj):
        return phones.mask(obj.mobile) if obj.mobile else ""

    def get_urls(self):
        return [path("import/", self.admin_site.admin_view(self.import_contacts), name="notices_contact_import"),
                *super().get_urls()]

    def import_contacts(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        errors = []
        if request.method == "POST" and request.FILES.get("file"):
            try:
                created, updated, errors = importing.contacts_import(
                    actor=request.user, rows=importing.read_rows(request.FILES["file"]))
            except DomainError as exc:
                errors = [exc.message]
            if not errors:
                self.message_user(request, _("%(c)d contacts added, %(u)d updated.") % {"c": created, "u": updated},
                                  messages.SUCCESS)
                return redirect("admin:notices_contact_changelist")
        context = {**self.admin_site.each_context(request), "errors": errors, "opts": self.model._meta,
                   "title": _("Import contacts")}
        return render(request, "admin/notices/contact/import.html", context, status=400 if errors else 200)


@admin.register(ContactGroup)
class ContactGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "warning_levels"]
    search_fields = ["name", "name_en"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ["title", "source", "created_at", "drill", "incident_id"]
    list_filter = ["source", "drill"]


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyAdmin):
    list_display = ["notice", "name", "channel", "state", "sent_at", "confirmed_at", "error"]
    list_filter = ["channel", "state"]
    exclude = ["token"]


@admin.register(GatewayReport)
class GatewayReportAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "kind", "sender", "text", "outcome"]
    list_filter = ["kind", "outcome"]


