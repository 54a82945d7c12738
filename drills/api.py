"""/api/v1/ routes of drills and their evaluation. Thin: parse, call one service or selector. The
incident's reports and after-action review are incidents' (incidents.reports_api)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import ErrorSerializer, no_body, role_permission
from core.roles import CONSOLE_ROLES
from drills import reports, selectors, services
from drills.models import Drill, Finding, Scenario
from drills.serializers import (
    DrillCreateSerializer,
    DrillEndSerializer,
    DrillSerializer,
    DrillStartSerializer,
    FindingCreateSerializer,
    FindingSerializer,
    RevisionCreateSerializer,
    RevisionTaskSerializer,
    ScenarioSerializer,
)

Console = role_permission(*CONSOLE_ROLES)
REPORT_SCHEMA = inline_serializer("DrillReport", fields={"drill": serializers.DictField(),
                                                         "exercise": serializers.BooleanField()})


def _drills():
    return Drill.objects.select_related("scenario", "started_by").prefetch_related(
        "runs__inject__incident_type", "incidents", "releases")


class ScenarioList(generics.ListAPIView):
    permission_classes = [Console]
    serializer_class = ScenarioSerializer
    queryset = Scenario.objects.select_related("plan").prefetch_related("injects__incident_type").order_by("title")


class DrillListCreate(generics.ListAPIView):
    permission_classes = [Console]
    serializer_class = DrillSerializer
    filterset_fields = ["status", "scenario"]
    ordering_fields = ["created_at", "started_at", "ended_at"]

    def get_queryset(self):
        return _drills().order_by("-created_at")

    @extend_schema(request=DrillCreateSerializer,
                   responses={201: DrillSerializer, 404: ErrorSerializer, 409: ErrorSerializer})
    def post(self, request):
        data = DrillCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        drill = services.drill_plan(actor=request.user, scenario_id=v["scenario"], speed=v["speed"], start=v["start"])
        return Response(DrillSerializer(_drills().get(pk=drill.pk)).data, status=status.HTTP_201_CREATED)


class DrillDetail(generics.RetrieveAPIView):
    permission_classes = [Console]
    serializer_class = DrillSerializer

    def get_queryset(self):
        return _drills()


class DrillStart(APIView):
    permission_classes = [Console]

    @extend_schema(request=DrillStartSerializer, responses=DrillSerializer)
    def post(self, request, pk):
        data = DrillStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        drill = services.drill_start(actor=request.user, drill_id=pk, start_at=data.validated_data.get("start_at"))
        return Response(DrillSerializer(_drills().get(pk=drill.pk)).data)


class DrillEnd(APIView):
    permission_classes = [Console]

    @extend_schema(request=DrillEndSerializer, responses=DrillSerializer)
    def post(self, request, pk):
        data = DrillEndSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        drill = services.drill_end(actor=request.user, drill_id=pk, summary=data.validated_data["summary"])
        return Response(DrillSerializer(_drills().get(pk=drill.pk)).data)


class DrillReleaseUnits(APIView):
    permission_classes = [Console]

    @extend_schema(request=None, responses=inline_serializer("Released", {"released": serializers.IntegerField()}))
    def post(self, request, pk):
        no_body(request)
        return Response({"released": services.drill_release_units(actor=request.user, drill_id=pk)})


class DrillReport(APIView):
    permission_classes = [Console]

    @extend_schema(responses=REPORT_SCHEMA)
    def get(self, request, pk):
        drill = get_object_or_404(Drill.objects.select_related("scenario__plan", "started_by"), pk=pk)
        return Response(reports.evaluation_json(selectors.drill_evaluation(drill)))


class DrillFindings(APIView):
    permission_classes = [Console]

    @extend_schema(request=FindingCreateSerializer, responses={201: FindingSerializer})
    def post(self, request, pk):
        data = FindingCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        finding = services.finding_record(actor=request.user, drill_id=pk, **data.validated_data)
        return Response(FindingSerializer(finding).data, status=status.HTTP_201_CREATED)


class FindingRevision(APIView):
    permission_classes = [Console]

    @extend_schema(request=RevisionCreateSerializer, responses={201: RevisionTaskSerializer})
    def post(self, request, pk):
        data = RevisionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        task = services.finding_open_revision(actor=request.user, finding_id=pk, **data.validated_data)
        return Response(RevisionTaskSerializer(task).data, status=status.HTTP_201_CREATED)


class FindingList(generics.ListAPIView):
    permission_classes = [Console]
    serializer_class = FindingSerializer
    filterset_fields = ["drill", "incident", "category"]
    queryset = Finding.objects.select_related("created_by").order_by("created_at")


class DrillsDue(APIView):
    permission_classes = [Console]

    @extend_schema(responses=inline_serializer("DrillDue", many=True, fields={
        "plan": serializers.DictField(), "enterprise": serializers.DictField(allow_null=True),
        "interval_months": serializers.IntegerField(), "last_drill": serializers.DateTimeField(allow_null=True),
        "due_on": serializers.DateField(), "overdue": serializers.BooleanField()}))
    def get(self, request):
        return Response([{
            "plan": {"id": r.plan.pk, "code": r.plan.code, "title": r.plan.title, "kind": r.plan.kind},
            "enterprise": {"id": r.enterprise.pk, "name": r.enterprise.name} if r.enterprise else None,
            "interval_months": r.interval_months,
            "last_drill": r.last_drill.isoformat() if r.last_drill else None,
            "due_on": r.due_on.isoformat(), "overdue": r.overdue,
        } for r in selectors.drills_due()])
