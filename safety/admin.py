"""Admin of the safety ledger: supervisors keep reference data (who works for which enterprise,
包保 persons, safety managers and certificates, risk points); records with a life (hidden
dangers, permits, commitments, colours) are read-only here and change through the pages and API."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from core.admin import ReadOnlyAdminMixin
from safety import rules
from safety.models import (
    Certificate,
    Contractor,
    ContractorQualification,
    EnterpriseColour,
    EnterpriseMembership,
    HiddenDanger,
    PermitApproval,
    PermitSpotCheck,
    ResponsiblePerson,
    RiskPoint,
    SafetyCommitment,
    SafetyManager,
    WorkFiling,
    WorkPermit,
)


@admin.register(EnterpriseMembership)
class EnterpriseMembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "enterprise"]
    list_select_related = ["user", "enterprise"]
    search_fields = ["user__username", "enterprise__name", "enterprise__code"]


@admin.register(ResponsiblePerson)
class ResponsiblePersonAdmin(SimpleHistoryAdmin):
    list_display = ["risk_source", "role", "name", "phone"]
    list_filter = ["role"]
    list_select_related = ["risk_source"]
    search_fields = ["name", "risk_source__code", "risk_source__name"]


class CertificateInline(admin.TabularInline):
    model = Certificate
    extra = 0


@admin.register(SafetyManager)
class SafetyManagerAdmin(SimpleHistoryAdmin):
    list_display = ["name", "enterprise", "position", "phone", "full_time"]
    list_select_related = ["enterprise"]
    search_fields = ["name", "enterprise__name"]
    inlines = [CertificateInline]


@admin.register(Certificate)
class CertificateAdmin(SimpleHistoryAdmin):
    list_display = ["kind", "number", "manager", "expires_on", "is_expired"]
    list_select_related = ["manager"]
    date_hierarchy = "expires_on"

    @admin.display(boolean=True, description=_("expired"))
    def is_expired(self, obj):
        return obj.expired


class RiskPointForm(forms.ModelForm):
    class Meta:
        model = RiskPoint
        fields = ["enterprise", "name", "location", "method", "likelihood", "exposure", "consequence", "severity",
                  "controls", "assessed_at"]

    def clean(self):
        data = super().clean()
        try:
            self.score = rules.risk_score(data.get("method"), likelihood=data.get("likelihood"),
                                          exposure=data.get("exposure"), consequence=data.get("consequence"),
                                          severity=data.get("severity"))
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
        return data


@admin.register(RiskPoint)
class RiskPointAdmin(SimpleHistoryAdmin):
    form = RiskPointForm
    list_display = ["name", "enterprise", "method", "score", "colour"]
    list_filter = ["method", "colour"]
    list_select_related = ["enterprise"]
    readonly_fields = ["score", "colour"]

    def save_model(self, request, obj, form, change):
        # Score and colour always follow from the factors (safety.rules), whoever edits them.
        obj.score = form.score
        obj.colour = rules.risk_colour(obj.method, obj.score)
        super().save_model(request, obj, form, change)
        from safety.services import enterprise_colour_recompute

        enterprise_colour_recompute(enterprise_id=obj.enterprise_id, reason="risk_point.admin")


class ReadOnlyAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    pass


@admin.register(HiddenDanger)
class HiddenDangerAdmin(ReadOnlyAdmin):
    list_display = ["title", "enterprise", "level", "state", "deadline"]
    list_filter = ["level", "state"]
    list_select_related = ["enterprise"]
    search_fields = ["title", "enterprise__name"]


@admin.register(WorkPermit)
class WorkPermitAdmin(ReadOnlyAdmin):
    list_display = ["kind", "grade", "enterprise", "place", "valid_from", "valid_to", "state"]
    list_filter = ["kind", "state"]
    list_select_related = ["enterprise"]


@admin.register(SafetyCommitment)
class SafetyCommitmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["enterprise", "date", "risk_level", "committed_by"]
    list_select_related = ["enterprise", "committed_by"]
    date_hierarchy = "date"


@admin.register(EnterpriseColour)
class EnterpriseColourAdmin(SafetyCommitmentAdmin):
    list_display = ["enterprise", "colour", "computed_at"]
    list_select_related = ["enterprise"]
    date_hierarchy = None


# Issue 25 (points 3 and 7): contractors are kept by the enterprises on their pages and the API
# (the credit code and each qualification are checked there, and permits are refused on them);
# approvals, 报备 and spot checks are records. All read here.
class QualificationInline(admin.TabularInline):
    model = ContractorQualification
    extra = 0
    fields = ["kind", "number", "valid_to"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Contractor)
class ContractorAdmin(ReadOnlyAdmin):
    list_display = ["name", "enterprise", "credit_code"]
    list_select_related = ["enterprise"]
    search_fields = ["name", "credit_code", "enterprise__name"]
    inlines = [QualificationInline]


@admin.register(PermitApproval)
class PermitApprovalAdmin(ReadOnlyAdmin):
    list_display = ["permit", "level", "approver", "on_site", "at"]
    list_select_related = ["permit"]


@admin.register(WorkFiling)
class WorkFilingAdmin(ReadOnlyAdmin):
    list_display = ["enterprise", "kind", "grade", "place", "planned_from", "planned_to", "permit", "filed_at"]
    list_filter = ["kind"]
    list_select_related = ["enterprise"]


@admin.register(PermitSpotCheck)
class PermitSpotCheckAdmin(ReadOnlyAdmin):
    list_display = ["permit", "result", "checked_by", "at"]
    list_filter = ["result"]
    list_select_related = ["permit", "checked_by"]
