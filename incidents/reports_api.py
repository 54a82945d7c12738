"""/api/v1/incidents/<pk>/reports/ (初报 / 续报 / 补报 / 终报) and /after-action/ (the review).

Served by incidents since issue 23 (drills served them before; the routes, names and shapes
are unchanged). The review's parts from apps above come through incidents.after_action's
registry. Thin: parse, call one service or selector.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import role_permission
from core.roles import CONSOLE_ROLES
from incidents import after_action as review
from incidents import services
from incidents.models import Incident
from incidents.serializers import IncidentReportCreateSerializer, IncidentReportSerializer

Console = role_permission(*CONSOLE_ROLES)
AAR_SCHEMA = inline_serializer("AfterActionReport", fields={"incident": serializers.DictField(),
                                                            "timeline": serializers.ListField()})


class IncidentAfterAction(APIView):
    permission_classes = [Console]

    @extend_schema(responses=AAR_SCHEMA)
    def get(self, request, pk):
        incident = get_object_or_404(Incident.objects.select_related("type", "area"), pk=pk)
        return Response(review.after_action_json(review.after_action(incident)))


class IncidentReports(APIView):
    permission_classes = [Console]

    @extend_schema(responses=IncidentReportSerializer(many=True))
    def get(self, request, pk):
        incident = get_object_or_404(Incident, pk=pk)
        return Response(IncidentReportSerializer(incident.reports.select_related("filed_by"), many=True).data)

    @extend_schema(request=IncidentReportCreateSerializer, responses={201: IncidentReportSerializer})
    def post(self, request, pk):
        data = IncidentReportCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.incident_report_file(actor=request.user, incident_id=pk, **data.validated_data)
        return Response(IncidentReportSerializer(report).data, status=status.HTTP_201_CREATED)
