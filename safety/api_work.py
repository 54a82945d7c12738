"""REST API of special work's park side and of contractors (issue 25, points 3 and 7): approvals,
breaks, 报备 (filings) and their consistency, statistics, spot checks, contractors. Thin: parse,
call one service or selector, render."""

import datetime as dt

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import no_body
from safety import selectors, services
from safety.api import EnterpriseRecords, LedgerKeep, LedgerRead, _valid, create_for_enterprise
from safety.models import PermitSpotCheck
from safety.serializers import (
    ApprovalCreateSerializer,
    ApprovalSerializer,
    ContractorCreateSerializer,
    ContractorSerializer,
    FilingCreateSerializer,
    FilingLinkSerializer,
    FilingSerializer,
    QualificationCreateSerializer,
    QualificationSerializer,
    SpotCheckCreateSerializer,
    SpotCheckSerializer,
    WorkPermitSerializer,
)


@extend_schema(request=ApprovalCreateSerializer, responses={201: ApprovalSerializer},
               summary="Record the on-site approval (GB 30871-2022 Appendix B, 4.11) by the enterprise's approver")
class WorkPermitApprove(APIView):
    permission_classes = [LedgerKeep]

    def post(self, request, pk):
        v = _valid(ApprovalCreateSerializer, request)
        approval = services.work_permit_approve(actor=request.user, permit_id=pk, **v)
        return Response(ApprovalSerializer(approval).data, status=status.HTTP_201_CREATED)


@extend_schema(request=None, responses=WorkPermitSerializer,
               summary="A break in work: resuming after 30/60 min needs a new gas analysis (GB 30871-2022 5.3.1, 6.3)")
class WorkPermitPause(APIView):
    permission_classes = [LedgerKeep]

    def post(self, request, pk):
        no_body(request)
        permit = services.work_permit_pause(actor=request.user, permit_id=pk)
        return Response(WorkPermitSerializer(permit).data)


class WorkPermitSpotChecks(generics.ListAPIView):
    """A park supervisor's online spot checks (在线抽查) of a permit in force."""

    permission_classes = [LedgerKeep]
    serializer_class = SpotCheckSerializer
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no permit
            return PermitSpotCheck.objects.none()
        permit = get_object_or_404(selectors.permits_visible_to(self.request.user), pk=self.kwargs["pk"])
        return PermitSpotCheck.objects.filter(permit=permit).select_related("checked_by")

    @extend_schema(request=SpotCheckCreateSerializer, responses={201: SpotCheckSerializer})
    def post(self, request, pk):
        v = _valid(SpotCheckCreateSerializer, request)
        check = services.permit_spot_check(actor=request.user, permit_id=pk, **v)
        return Response(SpotCheckSerializer(check).data, status=status.HTTP_201_CREATED)


class StatsQuery(serializers.Serializer):
    from_ = serializers.DateField(required=False, help_text="First day (local), YYYY-MM-DD.")
    to = serializers.DateField(required=False, help_text="Last day (local, included), YYYY-MM-DD.")

    def to_internal_value(self, data):
        data = {("from_" if k == "from" else k): v for k, v in data.items()}
        return super().to_internal_value(data)

    @staticmethod
    def _in_range(value):
        if value is not None and not 1900 <= value.year <= 2999:
            raise serializers.ValidationError(_("Give a date between 1900 and 2999."))
        return value

    def validate_from_(self, value):
        return self._in_range(value)

    def validate_to(self, value):
        return self._in_range(value)


def stats_window(query) -> tuple[dt.datetime | None, dt.datetime | None]:
    """`from` and `to` as local days (to included); a bad or unknown parameter is a 400 naming it."""
    unknown = sorted(set(query) - {"from", "to", "format"})
    if unknown:
        raise ValidationError({name[:60]: [_("Unknown parameter. This takes: from, to.")] for name in unknown[:20]})
    raw = {k: query.get(k) for k in ("from", "to") if query.get(k)}
    parsed = StatsQuery(data=raw)
    if not parsed.is_valid():
        raise ValidationError({("from" if k == "from_" else k): v for k, v in parsed.errors.items()})
    v = parsed.validated_data
    start = v.get("from_")
    end = v.get("to")
    if start and end and end < start:
        raise ValidationError({"to": [_("“to” is before “from”.")]})
    tz = timezone.get_current_timezone()
    return (dt.datetime.combine(start, dt.time(), tz) if start else None,
            dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tz) if end else None)


@extend_schema(parameters=[OpenApiParameter("from", str, description="First day (local), YYYY-MM-DD"),
                           OpenApiParameter("to", str, description="Last day (local, included), YYYY-MM-DD")],
               responses={200: OpenApiResponse(description="{from, to, total, by_kind, by_grade, by_enterprise, "
                                                           "by_month}: counts of permits (not cancelled)")},
               summary="Special-work statistics by kind, grade, enterprise and month")
class WorkPermitStats(APIView):
    permission_classes = [LedgerRead]

    def get(self, request):
        start, end = stats_window(request.query_params)
        return Response(selectors.permit_stats(request.user, start=start, end=end))


class FilingList(EnterpriseRecords):
    """报备: special work filed with the park."""

    serializer_class = FilingSerializer
    filterset_fields = ["enterprise", "kind", "permit"]
    ordering_fields = ["filed_at", "planned_from"]

    def get_queryset(self):
        return selectors.filings_visible_to(self.request.user).order_by("-filed_at", "-id")

    @extend_schema(request=FilingCreateSerializer, responses={201: FilingSerializer},
                   summary="File special work with the park (报备): with its permit, or ahead of it")
    def post(self, request):
        return create_for_enterprise(request, FilingCreateSerializer, services.work_filing_create, FilingSerializer)


@extend_schema(request=FilingLinkSerializer, responses=FilingSerializer,
               summary="Link a filing made ahead of its permit to the permit")
class FilingLink(APIView):
    permission_classes = [LedgerKeep]

    def post(self, request, pk):
        v = _valid(FilingLinkSerializer, request)
        return Response(FilingSerializer(services.work_filing_link(actor=request.user, filing_id=pk, **v)).data)


@extend_schema(responses={200: OpenApiResponse(description="{filings_without_permit: [filing], "
                                                           "permits_without_filing: [permit]}")},
               summary="The consistency the park is scored on: 报备 without a permit, a permit without 报备")
class FilingGaps(APIView):
    permission_classes = [LedgerKeep]

    def get(self, request):
        gaps = selectors.filing_gaps(request.user)
        return Response({
            "filings_without_permit": FilingSerializer(gaps["filings_without_permit"], many=True).data,
            "permits_without_filing": [{"id": p.pk, "enterprise": p.enterprise_id, "enterprise_name": p.enterprise.name,
                                        "kind": p.kind, "grade": p.grade, "place": p.place, "state": p.state,
                                        "started_at": p.started_at} for p in gaps["permits_without_filing"]],
        })


class ContractorList(EnterpriseRecords):
    serializer_class = ContractorSerializer
    filterset_fields = ["enterprise"]
    ordering_fields = ["name"]

    def get_queryset(self):
        return selectors.contractors_visible_to(self.request.user).prefetch_related("qualifications").order_by(
            "enterprise", "name", "id")

    @extend_schema(request=ContractorCreateSerializer, responses={201: ContractorSerializer},
                   summary="Record a contractor (第三方单位) of an enterprise with its qualifications")
    def post(self, request):
        return create_for_enterprise(request, ContractorCreateSerializer, services.contractor_register,
                                     ContractorSerializer)


class ContractorDetail(generics.RetrieveAPIView):
    permission_classes = [LedgerKeep]
    serializer_class = ContractorSerializer

    def get_queryset(self):
        return selectors.contractors_visible_to(self.request.user).prefetch_related("qualifications")


@extend_schema(request=QualificationCreateSerializer, responses={201: QualificationSerializer},
               summary="Add a qualification (kind, number, validity) to a contractor")
class ContractorQualifications(APIView):
    permission_classes = [LedgerKeep]

    def post(self, request, pk):
        v = _valid(QualificationCreateSerializer, request)
        q = services.contractor_qualification_add(actor=request.user, contractor_id=pk, **v)
        return Response(QualificationSerializer(q).data, status=status.HTTP_201_CREATED)
