"""The planner's admin: plans with levels and actions, the publish workflow, change history,
actions import/export (CSV, Excel), and duty rosters with a month view.

Why django-simple-history: it was already the project's history library (incidents,
resources), it records who (through its middleware) and when for every save made in the
admin, and SimpleHistoryAdmin gives planners a readable per-object history page with diffs.
"""

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from core import tabular
from core.errors import DomainError
from plans import selectors, services
from plans.models import (
    Action,
    Activation,
    DutyPost,
    Handover,
    Plan,
    PlanAttachment,
    PlanContact,
    ResponseLevel,
    Shift,
    Task,
)
from plans.services.plans import ACTION_COLUMNS


class FrozenWhenPublishedMixin:
    """A published or retired plan is read-only: what was activated stays what was published."""

    def _frozen(self, obj):
        plan = obj if isinstance(obj, Plan) else getattr(obj, "plan", None) or getattr(getattr(obj, "level", None), "plan", None)
        return plan is not None and not plan.is_editable

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self._frozen(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._frozen(obj)

    def has_add_permission(self, request, obj=None):
        if obj is not None and self._frozen(obj):
            return False
        return super().has_add_permission(request, obj) if isinstance(self, admin.options.InlineModelAdmin) \
            else super().has_add_permission(request)


class EditSendsBackToDraftMixin:
    """A change saved here to a plan under review sends the plan back to draft
    (plans.services.plan_edited, issue 22): the four-eyes rule holds for what is published."""

    def _plan_of(self, obj):
        if isinstance(obj, Plan):
            return obj
        return getattr(obj, "plan", None) or getattr(getattr(obj, "level", None), "plan", None)

    def _edited(self, request, obj):
        plan = self._plan_of(obj)
        if plan is None or plan.pk is None:
            return
        was = Plan.objects.filter(pk=plan.pk).values_list("status", flat=True).first()
        result = services.plan_edited(actor=request.user, plan_id=plan.pk)
        if was == Plan.Status.REVIEW and result.status == Plan.Status.DRAFT:
            self.message_user(request, _("%(plan)s was under review: your change sent it back to draft. Submit it "
                                         "again; another planner must publish it.") % {"plan": result},
                              messages.WARNING)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not change or form.has_changed() or any(formset.has_changed() for formset in formsets):
            self._edited(request, form.instance)

    def delete_model(self, request, obj):
        plan = self._plan_of(obj)
        super().delete_model(request, obj)
        if plan is not None and not isinstance(obj, Plan):
            self._edited(request, plan)

    def delete_queryset(self, request, queryset):
        plans = {self._plan_of(obj) for obj in queryset} - {None}
        super().delete_queryset(request, queryset)
        for plan in plans:
            if not isinstance(plan, Plan) or Plan.objects.filter(pk=plan.pk).exists():
                self._edited(request, plan)


class ResponseLevelInline(FrozenWhenPublishedMixin, admin.TabularInline):
    model = ResponseLevel
    extra = 0
    fields = ("level", "min_deaths", "min_injuries", "min_affected", "min_evacuated", "trigger_text")
    show_change_link = True


class PlanContactInline(FrozenWhenPublishedMixin, admin.TabularInline):
    model = PlanContact
    extra = 0


class PlanAttachmentInline(FrozenWhenPublishedMixin, admin.TabularInline):
    model = PlanAttachment
    extra = 0


@admin.register(Plan)
class PlanAdmin(EditSendsBackToDraftMixin, FrozenWhenPublishedMixin, SimpleHistoryAdmin):
    list_display = ("code", "version", "title", "kind", "status", "effective_date", "published_at")
    list_filter = ("status", "kind")
    search_fields = ("code", "title")
    filter_horizontal = ("incident_types", "areas", "enterprises", "risk_sources")
    readonly_fields = ("tools", "status", "previous", "published_at", "published_by")
    inlines = [ResponseLevelInline, PlanContactInline, PlanAttachmentInline]
    actions = ["submit_for_review", "publish", "retire", "new_version"]
    fieldsets = (
        (None, {"fields": ("tools", "code", "version", "title", "kind", "status", "issuing_agency",
                           "effective_date", "previous", "published_at", "published_by")}),
        (_("Applies to"), {"fields": ("incident_types", "areas", "enterprises", "risk_sources")}),
        (_("Text"), {"fields": ("scope", "organisation", "reporting", "measures", "response_end", "support")}),
    )

    @admin.display(description=_("Document and actions"))
    def tools(self, obj):
        if not obj or not obj.pk:
            return "—"
        return format_html(
            '<a href="{}" target="_blank">{}</a> · <a href="{}">{}</a> · <a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("plans:document", args=[obj.pk]), _("Preview the whole plan"),
            reverse("admin:plans_plan_export", args=[obj.pk, "csv"]), _("Export actions (CSV)"),
            reverse("admin:plans_plan_export", args=[obj.pk, "xlsx"]), _("Export actions (Excel)"),
            reverse("admin:plans_plan_import", args=[obj.pk]), _("Import actions"))

    def get_urls(self):
        return [
            path("<int:pk>/actions.<str:fmt>", self.admin_site.admin_view(self.export_actions),
                 name="plans_plan_export"),
            path("<int:pk>/import-actions/", self.admin_site.admin_view(self.import_actions),
                 name="plans_plan_import"),
        ] + super().get_urls()

    def export_actions(self, request, pk, fmt):
        plan = get_object_or_404(Plan, pk=pk)
        if not self.has_view_permission(request, plan):
            raise PermissionDenied
        rows = selectors.plan_action_rows(plan)
        name = f"{plan.code}-v{plan.version}-actions"
        values = [[row[c] for c in ACTION_COLUMNS] for row in rows]
        if fmt == "xlsx":
            response = HttpResponse(tabular.xlsx_bytes(ACTION_COLUMNS, values, title="actions"), content_type=tabular.XLSX)
        elif fmt == "csv":
            response = HttpResponse(tabular.csv_text(ACTION_COLUMNS, values), content_type="text/csv; charset=utf-8")
        else:
            raise PermissionDenied
        response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
        return response

    def import_actions(self, request, pk):
        plan = get_object_or_404(Plan, pk=pk)
        if not self.has_change_permission(request, plan):
            raise PermissionDenied
        errors = []
        if request.method == "POST" and request.FILES.get("file"):
            try:
                created, errors = services.plan_actions_import(
                    actor=request.user, plan_id=plan.pk, rows=services.plans.parse_action_file(request.FILES["file"]))
            except DomainError as exc:
                errors = [exc.message]
            if not errors:
                self.message_user(request, _("%(n)d actions imported.") % {"n": created}, messages.SUCCESS)
                return redirect("admin:plans_plan_change", plan.pk)
        context = {**self.admin_site.each_context(request), "plan": plan, "errors": errors,
                   "columns": ACTION_COLUMNS, "opts": self.model._meta, "title": _("Import actions")}
        return render(request, "plans/admin/import_actions.html", context, status=400 if errors else 200)

    def _run(self, request, queryset, service, done):
        for plan in queryset:
            try:
                result = service(actor=request.user, plan_id=plan.pk)
                self.message_user(request, done % {"plan": result}, messages.SUCCESS)
            except DomainError as exc:
                self.message_user(request, f"{plan}: {exc.message}", messages.ERROR)

    @admin.action(description=_("Submit for review"), permissions=["change"])
    def submit_for_review(self, request, queryset):
        self._run(request, queryset, services.plan_submit_for_review, _("%(plan)s is under review."))

    @admin.action(description=_("Publish (retires the previous version)"), permissions=["change"])
    def publish(self, request, queryset):
        self._run(request, queryset, services.plan_publish, _("%(plan)s is published."))

    @admin.action(description=_("Retire"), permissions=["change"])
    def retire(self, request, queryset):
        self._run(request, queryset, services.plan_retire, _("%(plan)s is retired."))

    @admin.action(description=_("Make a new draft version"), permissions=["add"])
    def new_version(self, request, queryset):
        self._run(request, queryset, services.plan_new_version, _("%(plan)s was created as a draft."))


class ActionInline(FrozenWhenPublishedMixin, admin.TabularInline):
    model = Action
    extra = 1
    fields = ("order", "title", "instructions", "responsible_agency", "responsible_role", "time_limit_min")
    ordering = ("order", "id")
    formfield_overrides = {
        Action._meta.get_field("instructions").__class__: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 40})}}


@admin.register(ResponseLevel)
class ResponseLevelAdmin(EditSendsBackToDraftMixin, FrozenWhenPublishedMixin, SimpleHistoryAdmin):
    list_display = ("plan", "level", "min_deaths", "min_injuries", "min_affected", "min_evacuated")
    list_filter = ("level", "plan__status")
    search_fields = ("plan__code", "plan__title")
    inlines = [ActionInline]


@admin.register(Action)
class ActionAdmin(EditSendsBackToDraftMixin, FrozenWhenPublishedMixin, SimpleHistoryAdmin):
    list_display = ("title", "level", "order", "responsible_agency", "responsible_role", "time_limit_min")
    list_filter = ("level__plan", "level__level")
    search_fields = ("title", "instructions")


class ReadOnlyAdmin(SimpleHistoryAdmin):
    """Written by services on the console (so every change reaches the timeline); here to look up."""

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Activation)
class ActivationAdmin(ReadOnlyAdmin):
    list_display = ("incident", "plan", "level", "status", "activated_at", "activated_by")
    list_filter = ("status", "level")


@admin.register(Task)
class TaskAdmin(ReadOnlyAdmin):
    list_display = ("title", "incident", "level", "responsible", "due_at", "status", "done_by", "done_at")
    list_filter = ("status", "level")
    search_fields = ("title", "incident__number")


@admin.register(DutyPost)
class DutyPostAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "role", "order", "requires_cover")


class ShiftAdminForm(forms.ModelForm):
    """The overlap check of plans.services, shown beside the fields; the save goes through
    shift_create / shift_update, so the admin is no second way to write a roster."""

    class Meta:
        model = Shift
        fields = ("post", "person", "start", "end")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        person = self.fields["person"]
        # By name, in natural order, only people with a duty role; the post's own role is
        # checked in clean (and again by the service).
        people = services.duty.post_candidates()
        current = getattr(self.instance, "person", None) if self.instance.pk else None
        if current is not None and current not in people:
            people.append(current)
        person.queryset = person.queryset.filter(pk__in=[p.pk for p in people])
        person.choices = [("", "---------")] + [
            (p.pk, f"{p.get_full_name()} ({p.username})" if p.get_full_name() else p.username) for p in people]

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            # On the field, so the model's constraints (a range from start to end, which
            # PostgreSQL refuses to build backwards) are not checked with these values.
            self.add_error("end", _("A shift must end after it starts."))
            return data
        if data.get("person") and data.get("post"):
            try:
                services.duty.check_post_role(post=data["post"], person=data["person"])
            except DomainError as error:
                self.add_error("person", error.message)
                return data
        if data.get("person") and data.get("start") and data.get("end"):
            try:
                services.shift_check(person=data["person"], start=data["start"], end=data["end"],
                                     exclude_id=self.instance.pk)
            except DomainError as error:
                raise forms.ValidationError(error.message) from None
        return data


@admin.register(Shift)
class ShiftAdmin(SimpleHistoryAdmin):
    form = ShiftAdminForm
    list_display = ("post", "person", "start", "end")
    list_filter = ("post",)
    date_hierarchy = "start"
    search_fields = ("person__username", "person__first_name", "person__last_name")
    change_list_template = "plans/admin/shift_change_list.html"

    def save_model(self, request, obj, form, change):
        values = {"actor": request.user, "post_id": obj.post_id, "person_id": obj.person_id, "start": obj.start,
                  "end": obj.end}
        saved = services.shift_update(shift_id=obj.pk, **values) if change else services.shift_create(**values)
        obj.pk = saved.pk

    def get_urls(self):
        return [path("month/", self.admin_site.admin_view(self.month_view), name="plans_shift_month")] \
            + super().get_urls()

    def month_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        try:
            year, month = (int(x) for x in request.GET.get("month", "").split("-"))
            first = dt.date(year, month, 1)
        except ValueError:
            first = today.replace(day=1)
        posts, days = selectors.roster_month(first.year, first.month)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "title": _("Month roster"),
                   "posts": posts, "days": days, "month": first, "today": today,
                   "previous": (first - dt.timedelta(days=1)).strftime("%Y-%m"),
                   "following": (first + dt.timedelta(days=32)).strftime("%Y-%m")}
        return render(request, "plans/admin/month.html", context)


@admin.register(Handover)
class HandoverAdmin(admin.ModelAdmin):
    list_display = ("post", "outgoing", "incoming", "created_at", "confirmed_at")
    readonly_fields = ("post", "outgoing_shift", "incoming_shift", "outgoing", "incoming", "note", "incidents",
                       "tasks", "created_at", "confirmed_at")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
