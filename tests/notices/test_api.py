"""Contacts, groups and notices through the API: shapes of the contract, roles, bad input (issue 21)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook
from rest_framework.test import APIClient

from notices import importing
from notices.models import Contact, ContactGroup, Notice

pytestmark = pytest.mark.django_db


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_contacts_are_stored_e164_and_a_malformed_number_is_a_400(duty_officer):
    client = _client(duty_officer)
    made = client.post("/api/v1/contacts/", {"name": "李四", "organisation": "区消防救援大队", "position": "队长",
                                             "mobile": "138 0013 8000"}, format="json")
    assert made.status_code == 201, made.content
    assert made.json()["mobile"] == "+8613800138000" and made.json()["groups"] == [] and made.json()["user"] is None
    for bad in ("12345", "+86 123 4567 8901", "1380013800x", "２３"):
        answer = client.post("/api/v1/contacts/", {"name": "王五", "mobile": bad}, format="json")
        assert answer.status_code == 400 and "mobile number" in answer.json()["detail"]
    again = client.post("/api/v1/contacts/", {"name": "重复", "mobile": "+8613800138000"}, format="json")
    assert again.status_code == 409
    assert Contact.objects.count() == 1


def test_only_console_roles_read_and_only_intake_roles_and_planners_write(viewer, outsider, planner):
    assert _client(outsider).get("/api/v1/contacts/").status_code == 403
    assert APIClient().get("/api/v1/contacts/").status_code in (401, 403)
    assert _client(viewer).get("/api/v1/contacts/").status_code == 200
    assert _client(viewer).post("/api/v1/contacts/", {"name": "x"}, format="json").status_code == 403
    assert _client(planner).post("/api/v1/contacts/", {"name": "专家"}, format="json").status_code == 201
    assert _client(viewer).post("/api/v1/notices/", {"title": "t", "contacts": [1]}, format="json").status_code == 403


def test_a_notice_to_nobody_or_an_empty_group_is_a_400_and_writes_nothing(duty_officer):
    client = _client(duty_officer)
    empty = ContactGroup.objects.create(name="危化专家组")
    app_only = Contact.objects.create(name="无手机")
    cases = [
        ({"title": "t"}, "Nobody to send to"),
        ({"title": "t", "groups": [empty.pk]}, "no active members"),
        ({"title": "t", "contacts": [app_only.pk], "channels": ["sms"]}, "Nobody to send to"),
        ({"title": "t", "contacts": [999999]}, "Unknown contacts"),
        ({"title": "t", "contacts": [app_only.pk], "channels": ["fax"]}, None),
        ({"title": "t", "contacts": [app_only.pk], "channels": ["voice"]}, "not configured"),
        ({"title": "\x00", "contacts": [app_only.pk]}, None),
    ]
    for body, words in cases:
        answer = client.post("/api/v1/notices/", body, format="json")
        assert answer.status_code == 400, (body, answer.content)
        if words:
            assert words in answer.json()["detail"]
    assert not Notice.objects.exists()


def test_a_notice_has_one_receipt_per_person_and_channel(duty_officer, make_user):
    member = make_user("member_t")
    group = ContactGroup.objects.create(name="应急领导小组")
    a = Contact.objects.create(name="甲", mobile="+8613800000101", user=member)
    b = Contact.objects.create(name="乙", mobile="+8613800000102")
    a.groups.add(group)
    b.groups.add(group)
    answer = _client(duty_officer).post("/api/v1/notices/", {
        "title": "集结", "body": "请到指挥部", "groups": [group.pk], "contacts": [a.pk], "users": [member.pk],
        "channels": ["app", "sms"], "confirm_within_s": 300}, format="json")
    assert answer.status_code == 201, answer.content
    recipients = answer.json()["recipients"]
    assert sorted((r["name"], r["channel"]) for r in recipients) == [("乙", "sms"), ("甲", "app"), ("甲", "sms")]
    assert {r["state"] for r in recipients} == {"queued"}
    assert set(recipients[0]) >= {"id", "contact", "name", "channel", "state", "text", "sent_at", "delivered_at",
                                  "read_at", "confirmed_at", "error"}
    detail = _client(duty_officer).get(f"/api/v1/notices/{answer.json()['id']}/")
    assert detail.status_code == 200 and len(detail.json()["recipients"]) == 3


def _xlsx(rows):
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("contacts.xlsx", out.getvalue())


def test_xlsx_import_reports_each_bad_row_and_imports_nothing_until_all_are_good(planner):
    bad = _xlsx([["姓名", "单位", "职务", "手机", "分组"],
                 ["赵一", "区应急局", "局长", "13800000201", "应急领导小组"],
                 ["", "区应急局", "", "13800000202", ""],
                 ["钱二", "园区", "专家", "1234", "危化专家组"],
                 ["孙三", "园区", "专家", "13800000201", ""]])
    created, updated, errors = importing.contacts_import(actor=planner, rows=importing.read_rows(bad))
    assert (created, updated) == (0, 0)
    assert [e.split(":")[0] for e in errors] == ["Row 3", "Row 4", "Row 5"]
    assert "the same mobile as row 2" in errors[2]
    assert not Contact.objects.exists()
    good = _xlsx([["姓名", "单位", "职务", "手机", "分组"],
                  ["赵一", "区应急局", "局长", "13800000201", "应急领导小组、危化专家组"],
                  ["钱二", "园区", "专家", "+86 138 0000 0203", "危化专家组"]])
    assert importing.contacts_import(actor=planner, rows=importing.read_rows(good))[:2] == (2, 0)
    good.seek(0)
    assert importing.contacts_import(actor=planner, rows=importing.read_rows(good))[:2] == (0, 2)  # idempotent
    assert Contact.objects.get(name="赵一").mobile == "+8613800000201"
    assert ContactGroup.objects.get(name="危化专家组").members.count() == 2


def test_the_admin_import_page_shows_the_row_report(client, planner):
    client.force_login(planner)
    upload = _xlsx([["姓名", "手机"], ["周四", "999"]])
    answer = client.post("/admin/notices/contact/import/", {"file": upload})
    assert answer.status_code == 400
    assert "Row 2" in answer.content.decode()
