"""/api/v1/ routes of plans and duty (../shared/API.md, "Plans and duty"). Thin: parse, call, render."""

from django.contrib.auth import get_user_model
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.response import Response
from rest_framework.views import APIView

from command.api import role_permission
from incidents.models import Incident
from plans import selectors, services
from plans.ical import roster_calendar
from plans.models import Activation, CalendarToken, Shift, Task
from resources.roles import COMMAND_ROLES, CONSOLE_ROLES, INTAKE_ROLES, has_role


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


class ActivateSerializer(serializers.Serializer):
    plan = serializers.IntegerField()
    level = serializers.CharField()


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
        task = services.task_done(actor=request.user, task_id=pk)
        return Response(TaskSerializer(task).data)


def roster_ics(request, username):
    """A person's shifts as iCalendar. Calendar apps that cannot log in use `?token=` (the
    person's secret feed token); otherwise the person themselves or a console role, by
    session or API token. A plain view: calendar apps send `Accept: text/calendar`, which
    DRF's JSON-only negotiation would refuse."""
    person = get_object_or_404(get_user_model(), username=username, is_active=True)
    secret = request.GET.get("token")
    if secret is not None:
        stored = CalendarToken.objects.filter(user=person).values_list("token", flat=True).first()
        if not stored or not constant_time_compare(stored, secret):
            return JsonResponse({"detail": _("This feed token is not valid (it may have been reset).")}, status=403)
    else:
        user = _authenticated(request)
        if user is None:
            return JsonResponse({"detail": _("Authentication credentials were not provided.")}, status=401)
        if user.pk != person.pk and not has_role(user, CONSOLE_ROLES):
            return JsonResponse({"detail": _("You may only read your own roster.")}, status=403)
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


