from django.contrib.admin.models import ADDITION, LogEntry
from django.db import transaction
from django.urls import include, path
from rest_framework.response import Response
from rest_framework.views import APIView


class Baseline(APIView):
    """Token auth, the same middleware as every API call, one INSERT in a transaction, a 201."""

    def post(self, request):
        with transaction.atomic():
            LogEntry.objects.create(user=request.user, action_flag=ADDITION, object_repr="bench baseline")
        return Response({"ok": True}, status=201)


urlpatterns = [path("bench/baseline/", Baseline.as_view()), path("", include("command.urls"))]
