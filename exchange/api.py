"""REST API of the 双重预防 exchange (docs/api.md "双重预防 exchange"). Thin: parse, call one
service or selector, render."""

import codecs
import json

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ParseError
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import no_body, role_permission
from core.api_base import JSONParser, _refuse_constant, too_big_message
from core.params import parse_int
from core.roles import SAFETY_ROLES
from exchange import format as fmt
from exchange import selectors, services
from exchange.auth import ExchangeTokenAuthentication, IsExchangeCredential
from exchange.serializers import (
    CredentialCreateSerializer,
    CredentialIssuedSerializer,
    CredentialSerializer,
    ExchangeBatchAnswerSerializer,
    SyncStatusSerializer,
)

Keep = role_permission(*SAFETY_ROLES)


class ItemwiseJSONParser(JSONParser):
    """The house's JSON parser without its whole-body check for unstorable characters: in a
    batch, a NUL or a lone surrogate refuses the one item holding it, with its reason
    (exchange.format), not the whole batch."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if stream is not None else b""
        if limit is not None and len(raw) > limit:
            raise RequestDataTooBig(str(too_big_message()))
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            return json.loads(codecs.decode(raw, encoding), parse_constant=_refuse_constant)
        except (ValueError, LookupError) as exc:
            raise ParseError(gettext_lazy("Malformed JSON: %(error)s") % {"error": exc}) from None


@extend_schema(request={"application/json": {"type": "object", "properties": {
                   "companyCode": {"type": "string"}, **{kind: {"type": "array", "items": {"type": "object"}}
                                                          for kind in fmt.KINDS}}}},
               responses={200: ExchangeBatchAnswerSerializer},
               summary="A batch from an enterprise's own 双重预防 system: risk analysis objects, units, events, "
                       "control measures, check tasks and hidden dangers, upserted by the sender's ids")
class Batch(APIView):
    authentication_classes = [ExchangeTokenAuthentication]
    permission_classes = [IsExchangeCredential]
    parser_classes = [ItemwiseJSONParser]

    def post(self, request):
        try:
            data = request.data
        except ParseError as error:
            services.batch_refused(credential=request.auth, error=str(error.detail))
            raise
        return Response(ExchangeBatchAnswerSerializer(services.batch_receive(credential=request.auth, data=data)).data)


class CredentialList(generics.ListAPIView):
    permission_classes = [Keep]
    serializer_class = CredentialSerializer
    pagination_class = None

    def get_queryset(self):
        return selectors.credentials_visible_to(self.request.user)

    @extend_schema(request=CredentialCreateSerializer, responses={201: CredentialIssuedSerializer})
    def post(self, request):
        data = CredentialCreateSerializer(data=request.data if request.data is not None else {})
        data.is_valid(raise_exception=True)
        credential, token = services.credential_issue(actor=request.user, enterprise_id=data.validated_data["enterprise"],
                                                      name=data.validated_data["name"])
        credential.token = token
        return Response(CredentialIssuedSerializer(credential).data, status=status.HTTP_201_CREATED)


class CredentialRevoke(APIView):
    permission_classes = [Keep]

    @extend_schema(request=None, responses={200: CredentialSerializer})
    def post(self, request, pk):
        no_body(request)
        return Response(CredentialSerializer(services.credential_revoke(actor=request.user, credential_id=pk)).data)


@extend_schema(responses=SyncStatusSerializer(many=True),
               summary="Each enterprise's exchange sync status (?enterprise=)")
class SyncStatus(APIView):
    permission_classes = [Keep]

    def get(self, request):
        enterprise = parse_int(request.query_params.get("enterprise"), name="enterprise", minimum=1)
        rows = selectors.sync_status(request.user, enterprise_id=enterprise)
        return Response(SyncStatusSerializer(rows, many=True).data)
