"""/api/v1/ routes of notices (contract: "Notices and contacts"). Thin: parse, call one service."""

from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import no_body, role_permission
from core.errors import DomainError
from core.roles import CONSOLE_ROLES
from notices import payloads, services
from notices.models import Contact, ContactGroup, Notice, Receipt
from notices.serializers import (
    ContactSerializer,
    ContactWriteSerializer,
    GroupSerializer,
    GroupWriteSerializer,
    NoticeSerializer,
    NoticeWriteSerializer,
)

Console = role_permission(*CONSOLE_ROLES)


def _contacts_queryset():
    return Contact.objects.prefetch_related("groups").order_by("name", "id")


class ContactList(generics.ListAPIView):
    """Console roles read the directory; duty officers, dispatchers, commanders and planners write."""

    permission_classes = [Console]
    serializer_class = ContactSerializer

    def get_queryset(self):
        return _contacts_queryset()

    @extend_schema(request=ContactWriteSerializer, responses={201: ContactSerializer})
    def post(self, request):
        data = _valid(ContactWriteSerializer, request)
        data["user"] = _user(data["user"])
        data["deputy"] = _contact(data["deputy"])
        data["groups"] = _groups(data["groups"])
        contact = services.contact_create(actor=request.user, **data)
        return Response(ContactSerializer(_contacts_queryset().get(pk=contact.pk)).data, status=status.HTTP_201_CREATED)


class ContactDetail(generics.RetrieveAPIView):
    permission_classes = [Console]
    serializer_class = ContactSerializer

    def get_queryset(self):
        return _contacts_queryset()


class GroupList(generics.ListAPIView):
    permission_classes = [Console]
    serializer_class = GroupSerializer

    def get_queryset(self):
        return ContactGroup.objects.prefetch_related("members").order_by("name")

    @extend_schema(request=GroupWriteSerializer, responses={201: GroupSerializer})
    def post(self, request):
        data = _valid(GroupWriteSerializer, request)
        members = list(Contact.objects.filter(pk__in=data["members"]))
        missing = sorted(set(data["members"]) - {c.pk for c in members})
        if missing:
            raise DomainError(_("Unknown contacts: %(ids)s.") % {"ids": ", ".join(map(str, missing[:20]))})
        group = services.group_create(actor=request.user, name=data["name"], description=data["description"],
                                      members=members)
        return Response(GroupSerializer(ContactGroup.objects.prefetch_related("members").get(pk=group.pk)).data,
                        status=status.HTTP_201_CREATED)


def _notice_queryset():
    return Notice.objects.prefetch_related(Prefetch("receipts", queryset=Receipt.objects.order_by("id")))


class NoticeList(generics.ListAPIView):
    permission_classes = [Console]
    serializer_class = NoticeSerializer

    def get_queryset(self):
        return _notice_queryset().order_by("-created_at", "-id")

    @extend_schema(request=NoticeWriteSerializer, responses={201: NoticeSerializer})
    def post(self, request):
        data = _valid(NoticeWriteSerializer, request)
        notice = services.notice_send(
            actor=request.user, title=data["title"], body=data["body"], contacts=data["contacts"],
            groups=data["groups"], users=data["users"], targets=data["targets"], channels_wanted=data["channels"],
            confirm_within_s=data["confirm_within_s"], incident_id=data["incident"], drill=data["drill"])
        # Built from what was just queued (a notice to the whole district has thousands of receipts).
        return Response(notice_answer(notice, notice.sent_receipts), status=status.HTTP_201_CREATED)


class NoticeDetail(generics.RetrieveAPIView):
    permission_classes = [Console]
    serializer_class = NoticeSerializer

    def get_queryset(self):
        return _notice_queryset()


class NoticeResend(APIView):
    permission_classes = [Console]

    @extend_schema(request=None, responses={200: NoticeSerializer})
    def post(self, request, pk):
        no_body(request)
        get_object_or_404(Notice, pk=pk)
        services.notice_resend(actor=request.user, notice_id=pk)
        return Response(NoticeSerializer(_notice_queryset().get(pk=pk)).data)


def notice_answer(notice, receipts) -> dict:
    counts: dict[str, int] = {}
    for receipt in receipts:
        counts[receipt.state] = counts.get(receipt.state, 0) + 1
    return {"id": notice.pk, "title": notice.title, "body": notice.body, "channels": list(notice.channels),
            "confirm_within_s": notice.confirm_within_s, "incident": notice.incident_id, "drill": notice.drill,
            "source": notice.source, "created_at": notice.created_at, "counts": counts,
            "recipients": [payloads.receipt_payload(r) for r in receipts]}


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _user(user_id):
    if user_id is None:
        return None
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        raise DomainError(_("Unknown user %(id)s.") % {"id": user_id})
    return user


def _contact(contact_id):
    if contact_id is None:
        return None
    contact = Contact.objects.filter(pk=contact_id).first()
    if contact is None:
        raise DomainError(_("Unknown contact %(id)s.") % {"id": contact_id})
    return contact


def _groups(ids):
    groups = list(ContactGroup.objects.filter(pk__in=ids))
    missing = sorted(set(ids) - {g.pk for g in groups})
    if missing:
        raise DomainError(_("Unknown groups: %(ids)s.") % {"ids": ", ".join(map(str, missing[:20]))})
    return groups


