"""REST API of the park's safety administration (API contract: "Safety administration"). Thin:
parse, call one service or selector, render. Querysets go through oversight.selectors, so
another enterprise's record is a 404, as for an id that does not exist."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import role_permission
from core.params import parse_choice, parse_int
from core.roles import SAFETY_ROLES
from oversight import export, pdf, selectors, services
from oversight.serializers import (
    DutyCheckCreateSerializer,
    DutyCheckSerializer,
    DutyStatusSerializer,
    EvaluationCreateSerializer,
    EvaluationSerializer,
    FollowUpSerializer,
    InspectionCreateSerializer,
    InspectionSerializer,
    LicenceCreateSerializer,
    LicenceSerializer,
    OverviewRowSerializer,
    RedFindingCreateSerializer,
    RedFindingResolveSerializer,
    RedFindingSerializer,
    TurnaroundCreateSerializer,
    TurnaroundSerializer,
)

Keep = role_permission(*SAFETY_ROLES)


def _valid(serializer_class, request):
    serializer = serializer_class(data=request.data if request.data is not None else {})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class LicenceList(generics.ListAPIView):
    permission_classes = [Keep]
    serializer_class = LicenceSerializer
    filterset_fields = ["enterprise", "kind"]
    ordering_fields = ["valid_to", "kind"]

    def get_queryset(self):
        return selectors.licences_visible_to(self.request.user).order_by("valid_to", "id")

    @extend_schema(request=LicenceCreateSerializer, responses={201: LicenceSerializer})
    def post(self, request):
        v = _valid(LicenceCreateSerializer, request)
        licence = services.licence_record(actor=request.user, enterprise_id=v.pop("enterprise"), **v)
        return Response(LicenceSerializer(licence).data, status=status.HTTP_201_CREATED)


class LicenceDetail(generics.RetrieveAPIView):
    permission_classes = [Keep]
    serializer_class = LicenceSerializer

    def get_queryset(self):
        return selectors.licences_visible_to(self.request.user)


class DutyCheckList(generics.ListAPIView):
    permission_classes = [Keep]
    serializer_class = DutyCheckSerializer
    filterset_fields = ["risk_source", "role"]
    ordering_fields = ["at"]

    def get_queryset(self):
        return selectors.duty_checks_visible_to(self.request.user).order_by("-at", "-id")

    @extend_schema(request=DutyCheckCreateSerializer, responses={201: DutyCheckSerializer})
    def post(self, request):
        v = _valid(DutyCheckCreateSerializer, request)
        check = services.duty_check_record(actor=request.user, risk_source_id=v.pop("risk_source"), **v)
        return Response(DutyCheckSerializer(check).data, status=status.HTTP_201_CREATED)


@extend_schema(responses=DutyStatusSerializer(many=True),
               summary="Each major hazard source's three 包保 duties: last check, next due, overdue")
class DutyStatus(APIView):
    permission_classes = [Keep]

    def get(self, request):
        overdue = request.query_params.get("overdue")
        parse_choice(overdue, name="overdue", choices=["true", "false"])
        rows = selectors.duty_status(selectors.risk_sources_visible_to(request.user))
        if overdue is not None and overdue != "":
            rows = [r for r in rows if r["overdue"] == (overdue == "true")]
        return Response(DutyStatusSerializer(rows, many=True).data)


class EvaluationList(generics.ListAPIView):
    permission_classes = [Keep]
    serializer_class = EvaluationSerializer
    filterset_fields = ["risk_source", "kind"]
    ordering_fields = ["completed_on"]

    def get_queryset(self):
        return selectors.evaluations_visible_to(self.request.user).order_by("-completed_on", "-id")

    @extend_schema(request=EvaluationCreateSerializer, responses={201: EvaluationSerializer})
    def post(self, request):
        v = _valid(EvaluationCreateSerializer, request)
        evaluation = services.evaluation_record(actor=request.user, risk_source_id=v.pop("risk_source"), **v)
        return Response(EvaluationSerializer(evaluation).data, status=status.HTTP_201_CREATED)


class TurnaroundList(generics.ListAPIView):
    permission_classes = [Keep]
    serializer_class = TurnaroundSerializer
    filterset_fields = ["enterprise", "kind", "state"]
    ordering_fields = ["planned_from"]

    def get_queryset(self):
        return selectors.turnarounds_visible_to(self.request.user).order_by("planned_from", "id")

    @extend_schema(request=TurnaroundCreateSerializer, responses={201: TurnaroundSerializer})
    def post(self, request):
        v = _valid(TurnaroundCreateSerializer, request)
        turnaround = services.turnaround_report(actor=request.user, enterprise_id=v.pop("enterprise"), **v)
        return Response(TurnaroundSerializer(turnaround).data, status=status.HTTP_201_CREATED)


class InspectionList(generics.ListAPIView):
    permission_classes = [Keep]
    serializer_class = InspectionSerializer
    filterset_fields = ["enterprise", "draw"]
    ordering_fields = ["at"]

    def get_queryset(self):
        return selectors.inspections_visible_to(self.request.user).order_by("-at", "-id")

    @extend_schema(request=InspectionCreateSerializer, responses={201: InspectionSerializer})
    def post(self, request):
        v = _valid(InspectionCreateSerializer, request)
        inspection = services.inspection_record(actor=request.user, enterprise_id=v.pop("enterprise"), **v)
        return Response(InspectionSerializer(inspection).data, status=status.HTTP_201_CREATED)


class InspectionDetail(generics.RetrieveAPIView):
    permission_classes = [Keep]
    serializer_class = InspectionSerializer

    def get_queryset(self):
        return selectors.inspections_visible_to(self.request.user)


@extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY},
               summary="The inspection's 责令限期整改指令书 (order to rectify within a time limit) as PDF")
class InspectionOrder(APIView):
    permission_classes = [Keep]

    def get(self, request, pk):
        inspection = get_object_or_404(selectors.inspections_visible_to(request.user), pk=pk)
        if not inspection.order_number:
            raise NotFound(_("This inspection found nothing: it has no order."))
        response = HttpResponse(pdf.order_pdf(inspection), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="order-{inspection.pk}.pdf"'
        response["Cache-Control"] = "private, no-store"
        return response


class InspectionFollowUp(APIView):
    permission_classes = [Keep]

    @extend_schema(request=FollowUpSerializer, responses={200: InspectionSerializer})
    def post(self, request, pk):
        get_object_or_404(selectors.inspections_visible_to(request.user), pk=pk)
        inspection = services.inspection_follow_up(actor=request.user, inspection_id=pk,
                                                   **_valid(FollowUpSerializer, request))
        return Response(InspectionSerializer(inspection).data)


def overview_filters(params) -> dict:
    """The overview's filters, strictly parsed (a bad value is a 400 that names it)."""
    return {
        "enterprise_id": parse_int(params.get("enterprise"), name="enterprise", minimum=1),
        "category": parse_choice(params.get("category"), name="category", choices=selectors.categories()),
        "status": parse_choice(params.get("status"), name="status", choices=selectors.STATUSES),
    }


@extend_schema(responses=OverviewRowSerializer(many=True),
               summary="What is due, overdue or expiring across licences, 包保 checks, assessments, hidden "
                       "dangers and certificates (?enterprise=&category=&status=)")
class Overview(APIView):
    permission_classes = [Keep]

    def get(self, request):
        rows = selectors.overview(request.user, **overview_filters(request.query_params))
        return Response(OverviewRowSerializer(rows, many=True).data)


@extend_schema(responses={(200, export.XLSX): OpenApiTypes.BINARY},
               summary="The same overview as an Excel workbook, with the same filters")
class OverviewExport(APIView):
    permission_classes = [Keep]

    def get(self, request):
        return export.overview_response(selectors.overview(request.user, **overview_filters(request.query_params)))




class RedFindingList(generics.ListAPIView):
    """The national scheme's outright-red conditions found by the park (应急〔2018〕19号)."""

    permission_classes = [Keep]
    serializer_class = RedFindingSerializer
    filterset_fields = ["enterprise", "condition"]
    ordering_fields = ["found_on"]

    def get_queryset(self):
        return selectors.red_findings_visible_to(self.request.user).order_by("-found_on", "-id")

    @extend_schema(request=RedFindingCreateSerializer, responses={201: RedFindingSerializer})
    def post(self, request):
        v = _valid(RedFindingCreateSerializer, request)
        finding = services.red_finding_record(actor=request.user, enterprise_id=v.pop("enterprise"), **v)
        return Response(RedFindingSerializer(finding).data, status=status.HTTP_201_CREATED)


class RedFindingResolve(APIView):
    permission_classes = [Keep]

    @extend_schema(request=RedFindingResolveSerializer, responses={200: RedFindingSerializer})
    def post(self, request, pk):
        get_object_or_404(selectors.red_findings_visible_to(request.user), pk=pk)
        finding = services.red_finding_resolve(actor=request.user, finding_id=pk,
                                               **_valid(RedFindingResolveSerializer, request))
        return Response(RedFindingSerializer(finding).data)
