"""Admin of the park's safety administration: read-only. Licences, 包保 checks and assessments
change through the API and the overview page (oversight.services), so every write tells the
park and recolours the enterprise; the admin shows them with their history."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from oversight.models import DutyCheck, Evaluation, Licence, RedFinding


class ReadOnly(SimpleHistoryAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Licence)
class LicenceAdmin(ReadOnly):
    list_display = ["enterprise", "kind", "number", "valid_from", "valid_to"]
    list_filter = ["kind"]
    list_select_related = ["enterprise"]
    search_fields = ["number", "enterprise__code", "enterprise__name"]
    date_hierarchy = "valid_to"


@admin.register(DutyCheck)
class DutyCheckAdmin(ReadOnly):
    list_display = ["risk_source", "role", "person", "at"]
    list_filter = ["role"]
    list_select_related = ["risk_source"]
    search_fields = ["person", "risk_source__code"]


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnly):
    list_display = ["risk_source", "kind", "agency", "completed_on"]
    list_filter = ["kind"]
    list_select_related = ["risk_source"]
    search_fields = ["agency", "report_number", "risk_source__code"]


@admin.register(RedFinding)
class RedFindingAdmin(ReadOnly):
    list_display = ["enterprise", "condition", "found_on", "resolved_on"]
    list_filter = ["condition"]
    list_select_related = ["enterprise"]
    search_fields = ["enterprise__code", "enterprise__name", "note"]
