"""/api/v1/ routes of plans and duty (docs/contract.md, "Plans and duty"). Thin: parse, call, render."""

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import DateTimeFilter, StrictSerializer, no_body, role_permission
from core.roles import COMMAND_ROLES, CONSOLE_ROLES, INTAKE_ROLES, has_role
from incidents.models import Incident
from plans import selectors, services
from plans.ical import roster_calendar
from plans.models import Activation, CalendarToken, Plan, Shift, Task
from plans.serializers import PlanDetailSerializer, PlanSerializer

Console = role_permission(*CONSOLE_ROLES)


class ShiftSerializer(serializers.ModelSerializer):
    post = serializers.CharField(source="post.name")
    post_code = serializers.CharField(source="post.code")
    person = serializers.CharField(source="person.username")
    person_name = serializers.SerializerMethodField()

    class Meta:
        model = Shift
        fields = ["id", "post", "post_code", "person", "person_name", "start", "end"]

    def get_person_name(self, shift) -> str:
        return shift.person.get_full_name() or shift.person.username


class TaskSerializer(serializers.ModelSerializer):
    overdue = serializers.SerializerMethodField()
    done_by = serializers.CharField(source="done_by.username", default=None)

    class Meta:
        model = Task
        fields = ["id", "title", "responsible", "due_at", "status", "level", "overdue", "done_at", "done_by",
                  "closed_reason"]

    def get_overdue(self, task) -> bool:
        return task.is_overdue()


class ActivationSerializer(serializers.ModelSerializer):
    tasks = TaskSerializer(many=True)

    class Meta:
        model = Activation
        fields = ["id", "plan", "incident", "level", "status", "activated_at", "tasks"]


class ActivateSerializer(StrictSerializer):
    plan = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    # Free text on purpose: the service names the levels the plan has when this is not one.
    level = serializers.CharField(max_length=3)


class DutyNow(APIView):
    permission_classes = [role_permission(*CONSOLE_ROLES)]

    @extend_schema(responses=ShiftSerializer(many=True), summary="The shifts covering this moment")
    def get(self, request):
        return Response(ShiftSerializer(selectors.on_duty_now(), many=True).data)


class IncidentPlans(APIView):
    permission_classes = [role_permission(*CONSOLE_ROLES)]

    @extend_schema(summary="Published plans that apply, with the level the incident triggers", responses=inline_serializer(
        "IncidentPlan", many=True, fields={
            "plan": inline_serializer("PlanRef", fields={"id": serializers.IntegerField(), "code": serializers.CharField(),
                                                         "title": serializers.CharField(), "kind": serializers.CharField(),
                                                         "version": serializers.IntegerField()}),
            "level": serializers.CharField(allow_null=True),
            "triggered_by": serializers.ListField(child=serializers.CharField())}))
    def get(self, request, pk):
        incident = get_object_or_404(Incident.objects.select_related("type", "area"), pk=pk)
        return Response([{
            "plan": {"id": m.plan.pk, "code": m.plan.code, "title": m.plan.title, "kind": m.plan.kind,
                     "version": m.plan.version},
            "level": m.level.level if m.level else None,
            "triggered_by": m.triggered_by,
        } for m in selectors.plans_matching(incident)])


class IncidentActivations(APIView):
    permission_classes = [role_permission(*CONSOLE_ROLES)]

    def get_permissions(self):
        if self.request.method == "POST":
            return [role_permission(*COMMAND_ROLES)()]
        return super().get_permissions()

    @extend_schema(responses=ActivationSerializer(many=True), summary="The incident's plan activations")
    def get(self, request, pk):
        incident = get_object_or_404(Incident, pk=pk)
        return Response(ActivationSerializer(selectors.incident_activations(incident), many=True).data)

    @extend_schema(request=ActivateSerializer, responses={201: ActivationSerializer},
                   summary="Activate a published plan at a level, or raise an active one")
    def post(self, request, pk):
        body = ActivateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        activation = services.plan_activate(actor=request.user, incident_id=pk, plan_id=body.validated_data["plan"],
                                            level=body.validated_data["level"])
        activation = Activation.objects.prefetch_related("tasks").get(pk=activation.pk)
        return Response(ActivationSerializer(activation).data, status=status.HTTP_201_CREATED)


class TaskDone(APIView):
    permission_classes = [role_permission(*INTAKE_ROLES)]

    @extend_schema(request=None, responses=TaskSerializer, summary="Mark a plan task done")
    def post(self, request, pk):
        no_body(request)
        task = services.task_done(actor=request.user, task_id=pk)
        return Response(TaskSerializer(task).data)


def roster_ics(request, username):
    """A person's shifts as iCalendar. Calendar apps that cannot log in use `?token=` (the
    person's secret feed token); otherwise the person themselves or a console role, by
    session or API token. A plain view: calendar apps send `Accept: text/calendar`, which
    DRF's JSON-only negotiation would refuse."""
    # Credentials first, the person second: whoever may not read this roster gets the same
    # answer whether or not the username exists (issue 16, point 12).
    person = get_user_model().objects.filter(username=username, is_active=True).first()
    secret = request.GET.get("token")
    if secret is not None:
        stored = CalendarToken.objects.filter(user=person).values_list("token", flat=True).first() if person else None
        if not stored or not constant_time_compare(stored, secret):
            return JsonResponse({"detail": _("This feed token is not valid (it may have been reset).")}, status=403)
    else:
        user = _authenticated(request)
        if user is None:
            return JsonResponse({"detail": _("Authentication credentials were not provided.")}, status=401)
        if (person is None or user.pk != person.pk) and not has_role(user, CONSOLE_ROLES):
            return JsonResponse({"detail": _("You may only read your own roster.")}, status=403)
        if person is None:
            raise Http404
    body = roster_calendar(person, host=request.get_host().split(":")[0])
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="roster-{person.username}.ics"'
    return response


def _authenticated(request):
    if request.user.is_authenticated:
        return request.user
    try:
        found = TokenAuthentication().authenticate(request)
    except AuthenticationFailed:
        return None
    return found[0] if found else None


# --- read-only lists: plans, activations, tasks, shifts ---------------------------------

class PlanFilter(filters.FilterSet):
    kind = filters.MultipleChoiceFilter(choices=Plan.Kind.choices)
    status = filters.MultipleChoiceFilter(choices=Plan.Status.choices)
    incident_type = filters.CharFilter(field_name="incident_types__code", distinct=True)

    class Meta:
        model = Plan
        fields = ["kind", "status", "code"]


plans_visible_to = selectors.plans_visible_to


class PlanList(generics.ListAPIView):
    """Contingency plans, with the levels each has."""

    permission_classes = [Console]
    serializer_class = PlanSerializer
    filterset_class = PlanFilter
    ordering_fields = ["code", "version", "kind", "published_at", "title"]

    def get_queryset(self):
        return plans_visible_to(self.request.user)


class PlanDetail(generics.RetrieveAPIView):
    """One plan with its sections, levels, thresholds and actions."""

    permission_classes = [Console]
    serializer_class = PlanDetailSerializer

    def get_queryset(self):
        return plans_visible_to(self.request.user)


class ActivationFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=Activation.Status.choices)
    level = filters.MultipleChoiceFilter(choices=[(v, v) for v in ("I", "II", "III", "IV")])

    class Meta:
        model = Activation
        fields = ["incident", "plan", "status", "level"]


_ACTIVATIONS = (Activation.objects.select_related("plan")
                .prefetch_related(Prefetch("tasks", queryset=Task.objects.select_related("done_by")))
                .order_by("-activated_at", "-id"))


class ActivationList(generics.ListAPIView):
    """Plan activations on every incident, with their tasks."""

    permission_classes = [Console]
    serializer_class = ActivationSerializer
    filterset_class = ActivationFilter
    ordering_fields = ["activated_at", "level", "status"]
    queryset = _ACTIVATIONS


class ActivationDetail(generics.RetrieveAPIView):
    permission_classes = [Console]
    serializer_class = ActivationSerializer
    queryset = _ACTIVATIONS


class TaskFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=Task.Status.choices)
    level = filters.MultipleChoiceFilter(choices=[(v, v) for v in ("I", "II", "III", "IV")])
    overdue = filters.BooleanFilter(method="filter_overdue", label="Open and past due (true) or not (false)")
    due_before = DateTimeFilter(field_name="due_at", lookup_expr="lt")

    class Meta:
        model = Task
        fields = ["status", "incident", "activation", "level"]

    def filter_overdue(self, queryset, name, value):
        late = Q(status=Task.Status.OPEN) & (Q(overdue_at__isnull=False) | Q(due_at__lt=timezone.now()))
        return queryset.filter(late) if value else queryset.exclude(late)


_TASKS = Task.objects.select_related("done_by").order_by("due_at", "id")


class TaskList(generics.ListAPIView):
    """Plan tasks across incidents: ?status=open&overdue=true is the late list."""

    permission_classes = [Console]
    serializer_class = TaskSerializer
    filterset_class = TaskFilter
    ordering_fields = ["due_at", "created_at", "status", "level", "done_at"]
    queryset = _TASKS


class TaskDetail(generics.RetrieveAPIView):
    permission_classes = [Console]
    serializer_class = TaskSerializer
    queryset = _TASKS


class ShiftFilter(filters.FilterSet):
    person = filters.CharFilter(field_name="person__username")
    post = filters.CharFilter(field_name="post__code")
    at = DateTimeFilter(method="filter_at", label="Shifts covering this moment")
    ends_after = DateTimeFilter(field_name="end", lookup_expr="gt")
    starts_before = DateTimeFilter(field_name="start", lookup_expr="lt")

    class Meta:
        model = Shift
        fields = ["person", "post"]

    def filter_at(self, queryset, name, value):
        return queryset.filter(start__lte=value, end__gt=value)


class ShiftList(generics.ListAPIView):
    """The duty roster: every shift for the console roles, one's own shifts for anyone else
    (as with the roster feed)."""

    serializer_class = ShiftSerializer
    filterset_class = ShiftFilter
    ordering_fields = ["start", "end"]

    def get_queryset(self):
        qs = Shift.objects.select_related("post", "person").order_by("start", "post__order", "id")
        if getattr(self, "swagger_fake_view", False):
            return qs.none()
        if has_role(self.request.user, CONSOLE_ROLES):
            return qs
        return qs.filter(person=self.request.user)
