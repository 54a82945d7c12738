"""REST API of the safety ledger (docs/contract.md, "Safety ledger"). Thin: parse, call, render.

Every queryset goes through safety.selectors.scoped, so an enterprise officer asking for another
enterprise's record gets a 404, exactly as for an id that does not exist.
"""

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import filters as drf_filters
from rest_framework import generics, permissions, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import StrictQueryFilter, no_body, role_permission
from core.api_base import JSONParser
from core.roles import CONSOLE_ROLES, SAFETY_ROLES
from safety import export, importing, rules, selectors, services
from safety.models import HiddenDangerPhoto, InspectionDraw, SafetyCommitment
from safety.serializers import (
    CommitmentCreateSerializer,
    CommitmentSerializer,
    CriterionSerializer,
    DeadlineSerializer,
    EnterpriseSerializer,
    GasTestOutSerializer,
    GasTestSerializer,
    HiddenDangerCreateSerializer,
    HiddenDangerDetailSerializer,
    HiddenDangerSerializer,
    ImportSerializer,
    InspectionDrawCreateSerializer,
    InspectionDrawSerializer,
    NoteSerializer,
    PhotoSerializer,
    RectificationSerializer,
    RiskPointCreateSerializer,
    RiskPointSerializer,
    VerifySerializer,
    WorkPermitCreateSerializer,
    WorkPermitSerializer,
)

# The command picture reads enterprises and permits (people may be inside a tank near an
# incident); the ledger itself is for the park's supervisors and the enterprises' officers.
LedgerRead = role_permission(*(SAFETY_ROLES | CONSOLE_ROLES))
LedgerKeep = role_permission(*SAFETY_ROLES)
# Unknown query parameters are a 400 on the ledger's lists (issue 22), not silently ignored.
STRICT = [StrictQueryFilter, drf_filters.OrderingFilter]


def _valid(serializer_class, request, **kwargs):
    serializer = serializer_class(data=request.data if request.data is not None else {}, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class EnterpriseRecords(generics.ListAPIView):
    """The ledger's lists of an enterprise's records (risk points, hidden dangers, permits,
    commitments, 报备, contractors): scoped by the subclass's selector, unknown query parameters a
    400, kept by the ledger's roles; their POST creates one through `create_for_enterprise`."""

    filter_backends = STRICT
    permission_classes = [LedgerKeep]


def create_for_enterprise(request, input_class, service, output_class) -> Response:
    """The create of an EnterpriseRecords list: the body as `input_class` validates it, its
    `enterprise` the service's enterprise_id (the service checks the actor may write there: another
    enterprise's is a 404), answered 201 with the record as the list shows it."""
    v = _valid(input_class, request)
    record = service(actor=request.user, enterprise_id=v.pop("enterprise"), **v)
    return Response(output_class(record).data, status=status.HTTP_201_CREATED)


class EnterpriseList(generics.ListAPIView):
    filter_backends = STRICT
    permission_classes = [LedgerRead]
    serializer_class = EnterpriseSerializer
    ordering_fields = ["code", "name"]

    def get_queryset(self):
        return selectors.enterprises_visible_to(self.request.user).prefetch_related(
            "risk_sources__responsible_persons").order_by("code")


class EnterpriseDetail(generics.RetrieveAPIView):
    permission_classes = [LedgerRead]
    serializer_class = EnterpriseSerializer

    def get_queryset(self):
        return EnterpriseList.get_queryset(self)


@extend_schema(responses={(200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiTypes.BINARY},
               summary="The enterprise's ledger (一盘帐) as an Excel workbook")
class EnterpriseLedgerExport(APIView):
    permission_classes = [LedgerKeep]

    def get(self, request, pk):
        enterprise = get_object_or_404(selectors.enterprises_visible_to(request.user), pk=pk)
        return export.ledger_response(enterprise)


class RiskPointList(EnterpriseRecords):
    serializer_class = RiskPointSerializer
    filterset_fields = ["enterprise", "method", "colour"]
    ordering_fields = ["score", "name", "assessed_at"]

    def get_queryset(self):
        return selectors.risk_points_visible_to(self.request.user).order_by("enterprise", "-score", "id")

    @extend_schema(request=RiskPointCreateSerializer, responses={201: RiskPointSerializer})
    def post(self, request):
        return create_for_enterprise(request, RiskPointCreateSerializer, services.risk_point_assess, RiskPointSerializer)


@extend_schema(responses=CriterionSerializer(many=True),
               summary="The 20 major hidden danger criteria of 安监总管三〔2017〕121号")
class CriteriaList(APIView):
    permission_classes = [permissions.IsAuthenticated]

    def get(self, request):
        return Response(rules.major_criteria()["criteria"])


class HiddenDangerList(EnterpriseRecords):
    serializer_class = HiddenDangerSerializer
    filterset_fields = ["enterprise", "state", "level"]
    ordering_fields = ["deadline", "reported_at", "level", "state"]

    def get_queryset(self):
        return selectors.hidden_dangers_visible_to(self.request.user).order_by("-reported_at", "-id")

    @extend_schema(request=HiddenDangerCreateSerializer, responses={201: HiddenDangerSerializer})
    def post(self, request):
        return create_for_enterprise(request, HiddenDangerCreateSerializer, services.hidden_danger_report,
                                     HiddenDangerSerializer)


class HiddenDangerDetail(generics.RetrieveAPIView):
    permission_classes = [LedgerKeep]
    serializer_class = HiddenDangerDetailSerializer

    def get_queryset(self):
        return selectors.hidden_dangers_visible_to(self.request.user).prefetch_related("steps__actor", "photos")


class HiddenDangerStepView(APIView):
    permission_classes = [LedgerKeep]
    input_class = None

    def post(self, request, pk):
        v = _valid(self.input_class, request)
        hd = self.act(request.user, pk, v)
        return Response(HiddenDangerDetailSerializer(hd).data)


@extend_schema(request=RectificationSerializer, responses=HiddenDangerDetailSerializer,
               summary="Plan the rectification (五到位 for a major one)")
class HiddenDangerRectification(HiddenDangerStepView):
    input_class = RectificationSerializer

    def act(self, user, pk, v):
        return services.hidden_danger_plan(actor=user, hidden_danger_id=pk, **v)


@extend_schema(request=DeadlineSerializer, responses=HiddenDangerDetailSerializer,
               summary="A park supervisor approves a new rectification deadline (延期审批); lifts the overdue flag")
class HiddenDangerDeadline(HiddenDangerStepView):
    input_class = DeadlineSerializer

    def act(self, user, pk, v):
        return services.hidden_danger_deadline_set(actor=user, hidden_danger_id=pk, **v)


@extend_schema(request=NoteSerializer, responses=HiddenDangerDetailSerializer, summary="Report it rectified")
class HiddenDangerRectified(HiddenDangerStepView):
    input_class = NoteSerializer

    def act(self, user, pk, v):
        return services.hidden_danger_rectified(actor=user, hidden_danger_id=pk, **v)


@extend_schema(request=VerifySerializer, responses=HiddenDangerDetailSerializer,
               summary="Verify the rectification (a supervisor other than the one who rectified it)")
class HiddenDangerVerify(HiddenDangerStepView):
    input_class = VerifySerializer

    def act(self, user, pk, v):
        return services.hidden_danger_verify(actor=user, hidden_danger_id=pk, **v)


@extend_schema(request={"multipart/form-data": {"type": "object", "properties": {
    "photo": {"type": "string", "format": "binary"}}, "required": ["photo"]}},
    responses={201: PhotoSerializer}, summary="Add a photo (JPEG, PNG or WebP, at most 8 MB)")
class HiddenDangerPhotos(APIView):
    permission_classes = [LedgerKeep]
    parser_classes = [MultiPartParser]

    def post(self, request, pk):
        upload = request.FILES.get("photo")
        if upload is None or set(request.data) - {"photo"}:
            raise ValidationError({"photo": [_("Send one file in the field “photo” (multipart/form-data).")]})
        photo = services.hidden_danger_photo_add(actor=request.user, hidden_danger_id=pk, upload=upload)
        return Response(PhotoSerializer(photo).data, status=status.HTTP_201_CREATED)


@extend_schema(responses={(200, "image/*"): OpenApiTypes.BINARY}, summary="One photo, for those who may see it")
class HiddenDangerPhotoFile(APIView):
    permission_classes = [LedgerKeep]

    def get(self, request, pk, photo_pk):
        return photo_response(request.user, pk, photo_pk)


def photo_response(user, hidden_danger_id, photo_id):
    """Served only after checking the reader may see the hidden danger; never cached by proxies."""
    hd = get_object_or_404(selectors.hidden_dangers_visible_to(user), pk=hidden_danger_id)
    photo = get_object_or_404(HiddenDangerPhoto, hidden_danger=hd, pk=photo_id)
    response = FileResponse(photo.file.open("rb"), content_type=photo.content_type)
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = f'inline; filename="hidden-danger-{hd.pk}-{photo.pk}.{photo.extension}"'
    return response


@extend_schema(request=ImportSerializer, responses={200: OpenApiResponse(
    {"type": "object", "properties": {"created": {"type": "integer"}, "unchanged": {"type": "integer"}}})},
    summary="Import hidden dangers from the enterprise's own system: JSON rows, or {\"enterprise\", \"csv\"} "
            "with columns external_id,title,description,location,level,criteria (codes separated by ;),deadline")
class HiddenDangerImport(APIView):
    permission_classes = [LedgerKeep]
    parser_classes = [JSONParser]

    def post(self, request):
        data = request.data if isinstance(request.data, dict) else {}
        if isinstance(data.get("csv"), str):
            data = {"enterprise": data.get("enterprise"), "rows": importing.hidden_danger_rows(data["csv"]),
                    **{k: v for k, v in data.items() if k not in ("enterprise", "csv", "rows")}}
        serializer = ImportSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        v = serializer.validated_data
        result = services.hidden_dangers_import(actor=request.user, enterprise_id=v["enterprise"], rows=v["rows"])
        return Response(result)


class WorkPermitList(EnterpriseRecords):
    permission_classes = [LedgerRead]  # the command picture reads permits; submitting is the service's to refuse
    serializer_class = WorkPermitSerializer
    filterset_fields = ["enterprise", "kind", "state"]
    ordering_fields = ["valid_from", "valid_to", "created_at"]

    def get_queryset(self):
        return selectors.permits_visible_to(self.request.user).prefetch_related("gas_tests", "approvals__recorded_by").order_by(
            "-valid_from", "-id")

    @extend_schema(request=WorkPermitCreateSerializer, responses={201: WorkPermitSerializer},
                   summary="Submit a special-work permit; a 400 names the GB 30871-2022 rule it breaks")
    def post(self, request):
        return create_for_enterprise(request, WorkPermitCreateSerializer, services.work_permit_submit,
                                     WorkPermitSerializer)


class WorkPermitDetail(generics.RetrieveAPIView):
    permission_classes = [LedgerRead]
    serializer_class = WorkPermitSerializer

    def get_queryset(self):
        return selectors.permits_visible_to(self.request.user).prefetch_related("gas_tests", "approvals__recorded_by")


@extend_schema(request=None, responses=WorkPermitSerializer)
class WorkPermitAction(APIView):
    permission_classes = [LedgerKeep]
    action_name = ""

    def post(self, request, pk):
        no_body(request)
        if self.action_name == "start":
            permit = services.work_permit_start(actor=request.user, permit_id=pk)
        elif self.action_name == "resume":
            permit = services.work_permit_resume(actor=request.user, permit_id=pk)
        else:
            permit = services.work_permit_close(actor=request.user, permit_id=pk, cancel=self.action_name == "cancel")
        return Response(WorkPermitSerializer(permit).data)


@extend_schema(request=GasTestSerializer, responses={201: GasTestOutSerializer},
               summary="Record a gas analysis; one over a limit suspends work in progress and names the rule")
class WorkPermitGasTests(APIView):
    permission_classes = [LedgerKeep]

    def post(self, request, pk):
        v = _valid(GasTestSerializer, request)
        test, breaches = services.gas_test_record(actor=request.user, permit_id=pk, test=v)
        body = dict(GasTestOutSerializer(test).data)
        body["breaches"] = [{"rule": b.rule, "message": b.message} for b in breaches]
        return Response(body, status=status.HTTP_201_CREATED)


class CommitmentList(EnterpriseRecords):
    serializer_class = CommitmentSerializer
    filterset_fields = ["enterprise", "date"]
    ordering_fields = ["date"]

    def get_queryset(self):
        return selectors.scoped(SafetyCommitment.objects.select_related("enterprise", "committed_by"),
                                self.request.user).order_by("-date", "enterprise")

    @extend_schema(request=CommitmentCreateSerializer, responses={201: CommitmentSerializer},
                   summary="File today's safety commitment (安全承诺); filing again replaces it")
    def post(self, request):
        return create_for_enterprise(request, CommitmentCreateSerializer, services.commitment_file, CommitmentSerializer)


class InspectionDrawList(generics.ListAPIView):
    filter_backends = STRICT
    permission_classes = [LedgerKeep]
    serializer_class = InspectionDrawSerializer

    def get_queryset(self):
        if not selectors.sees_whole_park(self.request.user):
            return InspectionDraw.objects.none()
        return InspectionDraw.objects.select_related("drawn_by").prefetch_related("enterprises").order_by("-drawn_at")

    @extend_schema(request=InspectionDrawCreateSerializer, responses={201: InspectionDrawSerializer},
                   summary="A random inspection draw (双随机) weighted by colour")
    def post(self, request):
        v = _valid(InspectionDrawCreateSerializer, request)
        draw = services.inspection_draw(actor=request.user, **v)
        return Response(InspectionDrawSerializer(draw).data, status=status.HTTP_201_CREATED)

