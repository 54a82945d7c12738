"""REST API for incidents and dispatch (docs/contract.md). Thin: validate, call a service."""

from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import DateTimeFilter, no_body, role_permission
from core.roles import CONSOLE_ROLES, DISPATCH_ROLES, INTAKE_ROLES, has_role
from incidents import selectors, services
from incidents.models import Incident, IncidentType
from incidents.serializers import (
    AssignmentSerializer,
    CasualtiesSerializer,
    DeclineSerializer,
    DispatchSerializer,
    IncidentCreateSerializer,
    IncidentDetailSerializer,
    IncidentSerializer,
    IncidentTypeSerializer,
    RecommendationSerializer,
    RunCardSerializer,
    StatusSerializer,
)

Console = role_permission(*CONSOLE_ROLES)


class IncidentFilter(filters.FilterSet):
    type = filters.CharFilter(field_name="type__code")
    status = filters.MultipleChoiceFilter(choices=Incident.Status.choices)
    severity = filters.MultipleChoiceFilter(choices=[(s, s) for s in ("I", "II", "III", "IV")])
    reported_after = DateTimeFilter(field_name="reported_at", lookup_expr="gte")
    reported_before = DateTimeFilter(field_name="reported_at", lookup_expr="lt")

    class Meta:
        model = Incident
        fields = ["type", "status", "severity"]


class IncidentListCreate(generics.ListAPIView):
    serializer_class = IncidentSerializer
    permission_classes = [Console]
    filterset_class = IncidentFilter
    ordering_fields = ["reported_at", "created_at", "closed_at", "severity", "status", "number"]
    queryset = Incident.objects.select_related("type", "area", "chemical").order_by("-reported_at")

    @extend_schema(request=IncidentCreateSerializer, responses={201: IncidentSerializer})
    def post(self, request):
        if not has_role(request.user, INTAKE_ROLES):
            raise PermissionDenied(_("Only duty officers, dispatchers and commanders may log incidents."))
        data = IncidentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        incident = services.incident_log(
            actor=request.user, type_code=v["type"], severity=v["severity"], lon=v["location"].x,
            lat=v["location"].y, title=v["title"], address=v["address"], description=v["description"],
            caller_name=v["caller_name"], caller_phone=v["caller_phone"], reported_at=v.get("reported_at"),
            exercise=v["exercise"], outside_district=v["outside_district"])
        return Response(IncidentSerializer(incident).data, status=status.HTTP_201_CREATED)


class IncidentDetail(generics.RetrieveAPIView):
    serializer_class = IncidentDetailSerializer
    permission_classes = [Console]
    queryset = Incident.objects.select_related("type", "area", "chemical").prefetch_related(
        "timeline__actor", "assignments__resource", "assignments__incident__type")

    @extend_schema(request=CasualtiesSerializer, responses={200: IncidentDetailSerializer})
    def patch(self, request, pk):
        """Deaths, serious injuries and direct economic loss (the rest of an incident changes by its actions)."""
        if not has_role(request.user, INTAKE_ROLES):
            raise PermissionDenied(_("Only duty officers, dispatchers and commanders record casualties."))
        data = CasualtiesSerializer(data=request.data if request.data is not None else {})
        data.is_valid(raise_exception=True)
        v = data.validated_data
        current = generics.get_object_or_404(Incident, pk=pk)
        services.incident_record_casualties(
            actor=request.user, incident_id=pk, deaths=v.get("deaths", current.deaths),
            injuries=v.get("injuries", current.injuries), direct_loss_cny=v.get("direct_loss_cny", current.direct_loss_cny),
            note=v["note"])
        return Response(IncidentDetailSerializer(self.get_queryset().get(pk=pk)).data)


class IncidentRecommendations(APIView):
    permission_classes = [Console]

    @extend_schema(responses=RecommendationSerializer(many=True))
    def get(self, request, pk):
        incident = generics.get_object_or_404(Incident.objects.select_related("type"), pk=pk)
        try:
            # Without a limit: the whole mix still missing with a run card, else the nearest ten.
            limit = max(1, min(int(request.query_params["limit"]), 100)) if "limit" in request.query_params else None
        except ValueError:
            return Response({"limit": [_("A whole number from 1 to 100.")]}, status=400)
        recs = selectors.units_recommend(incident=incident, limit=limit,
                                         capability=request.query_params.get("capability") or None)
        return Response(RecommendationSerializer(recs, many=True).data)


class IncidentRunCard(APIView):
    """What the incident's run card asks for, what is filled by assigned units, what is missing."""

    permission_classes = [Console]

    @extend_schema(responses=RunCardSerializer)
    def get(self, request, pk):
        incident = generics.get_object_or_404(Incident.objects.select_related("type"), pk=pk)
        # A closed incident needs nothing more: what it asked and had, without recommendations.
        card, needs = selectors.run_card_needs(incident=incident, recommend=incident.is_open)
        return Response(RunCardSerializer({"run_card": card, "needs": needs}).data)


class IncidentUnitSearch(APIView):
    """Any available unit for this incident, by name, call sign, kind or capability, nearest first."""

    permission_classes = [Console]

    @extend_schema(parameters=[OpenApiParameter("q", str, description=_("Name, call sign (code), kind, capability "
                                                                        "or agency; empty for every available unit."))],
                   responses=RecommendationSerializer(many=True))
    def get(self, request, pk):
        incident = generics.get_object_or_404(Incident.objects.select_related("type"), pk=pk)
        recs = selectors.units_search(incident=incident, query=request.query_params.get("q", ""))
        return Response(RecommendationSerializer(recs, many=True).data)


class IncidentAssignments(APIView):
    permission_classes = [role_permission(*DISPATCH_ROLES)]

    @extend_schema(request=DispatchSerializer, responses={201: AssignmentSerializer(many=True)})
    def post(self, request, pk):
        data = DispatchSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        created = services.assignment_create(actor=request.user, incident_id=pk,
                                             resource_ids=data.validated_data["resources"])
        return Response(AssignmentSerializer(created, many=True).data, status=status.HTTP_201_CREATED)


class IncidentTypeList(generics.ListAPIView):
    serializer_class = IncidentTypeSerializer
    queryset = IncidentType.objects.all()
    pagination_class = None


assignments_visible_to = selectors.assignments_visible_to


class AssignmentList(generics.ListAPIView):
    serializer_class = AssignmentSerializer
    filterset_fields = ["status", "incident", "resource"]
    ordering_fields = ["created_at", "status"]

    def get_queryset(self):
        return assignments_visible_to(self.request.user)


class AssignmentDetail(generics.RetrieveAPIView):
    serializer_class = AssignmentSerializer

    def get_queryset(self):
        return assignments_visible_to(self.request.user)


class AssignmentAction(APIView):
    """acknowledge / decline / status. The service checks that the actor may act on it."""

    def _done(self, assignment):
        assignment.refresh_from_db()
        return Response(AssignmentSerializer(assignment).data)


class Acknowledge(AssignmentAction):
    @extend_schema(request=None, responses=AssignmentSerializer)
    def post(self, request, pk):
        no_body(request)
        return self._done(services.assignment_acknowledge(actor=request.user, assignment_id=pk))


class Decline(AssignmentAction):
    @extend_schema(request=DeclineSerializer, responses=AssignmentSerializer)
    def post(self, request, pk):
        data = DeclineSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._done(services.assignment_decline(actor=request.user, assignment_id=pk,
                                                      reason=data.validated_data["reason"],
                                                      code=data.validated_data["reason_code"] or None))


class SetStatus(AssignmentAction):
    @extend_schema(request=StatusSerializer, responses=AssignmentSerializer)
    def post(self, request, pk):
        data = StatusSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._done(services.assignment_set_status(actor=request.user, assignment_id=pk,
                                                         status=data.validated_data["status"]))
