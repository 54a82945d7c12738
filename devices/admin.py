"""The device registry in the admin: onboarding, editing, rotating and revoking all go through
devices.services, so the broker always matches. Secrets are rendered once, in the answer to
the onboarding or rotation, never stored nor put in a message (messages live in the session)."""

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from devices import selectors, services
from devices.models import Device

EDITABLE = ("kind", "code", "name", "enterprise", "points", "subject", "vendor", "model", "serial", "installed_at",
            "calibrated_at", "calibration_interval_days")


class DeviceForm(forms.ModelForm):
    class Meta:
        model = Device
        fields = EDITABLE


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    form = DeviceForm
    list_display = ("code", "kind", "enterprise", "vendor", "model", "serial", "calibrated_at", "calibration_due",
                    "overdue", "active")
    list_filter = ("kind", "enterprise", "revoked_at")
    search_fields = ("code", "name", "serial", "vendor", "model")
    filter_horizontal = ("points",)
    readonly_fields = ("mqtt_username", "secrets_issued_at", "revoked_at", "created_at")
    actions = ["rotate", "revoke"]

    def has_module_permission(self, request):
        return selectors.manages_devices(request.user)

    def has_view_permission(self, request, obj=None):
        return selectors.manages_devices(request.user)

    has_add_permission = has_change_permission = lambda self, request, obj=None: selectors.manages_devices(request.user)

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the broker must forget the identity too

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "kind", "code") if obj else self.readonly_fields

    @admin.display(boolean=True, description=_("calibration overdue"))
    def overdue(self, obj):
        return obj.calibration_overdue()

    @admin.display(boolean=True, description=_("active"))
    def active(self, obj):
        return obj.active

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data.get(name) for name in EDITABLE if name in form.cleaned_data}
        data["points"] = [p.code for p in data.get("points") or []]
        if change:
            data.pop("kind", None), data.pop("code", None)
            services.device_update(actor=request.user, device=obj, **data)
        else:
            device, issued = services.device_create(actor=request.user, **data)
            obj.pk = device.pk
            request._device_secrets = (device, issued)

    def save_related(self, request, form, formsets, change):
        pass  # the points were set by the service

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            response = super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            from django.http import HttpResponseRedirect

            return HttpResponseRedirect(request.get_full_path())
        shown = getattr(request, "_device_secrets", None)
        return self._secrets_page(request, *shown) if shown else response

    def _secrets_page(self, request, device, issued):
        response = TemplateResponse(request, "devices/secrets.html", {
            **self.admin_site.each_context(request), "device": device, "issued": issued, "opts": self.model._meta,
            "title": _("Credentials of %(code)s") % {"code": device.code}})
        response["Cache-Control"] = "no-store"  # secrets: never from a cache or the back button
        return response

    @admin.action(description=_("Rotate credentials (the old ones stop working at once)"), permissions=["change"])
    def rotate(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Rotate one device at a time: its secrets are shown once."), messages.WARNING)
            return None
        try:
            device, issued = services.device_rotate(actor=request.user, device=queryset.get())
        except DomainError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return None
        return self._secrets_page(request, device, issued)

    @admin.action(description=_("Revoke (disconnect now; the device cannot connect again)"), permissions=["change"])
    def revoke(self, request, queryset):
        for device in queryset:
            try:
                services.device_revoke(actor=request.user, device=device)
            except DomainError as exc:
                self.message_user(request, f"{device.code}: {exc}", messages.ERROR)
                return
        self.message_user(request, _("Revoked: %(codes)s") % {"codes": ", ".join(d.code for d in queryset)})
