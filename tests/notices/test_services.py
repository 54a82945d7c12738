"""Notices' rules without the gateway: texts that fit phones, the person's link, chasing, pacing."""

import datetime as dt

import pytest
from django.utils import timezone
from procrastinate.contrib.django.models import ProcrastinateJob

from notices import services, texts
from notices.models import Contact, Receipt

pytestmark = pytest.mark.django_db


def test_sms_texts_carry_the_signature_the_drill_mark_and_the_link_within_the_parts_allowed(settings):
    settings.SMS_MAX_PARTS = 2
    text = texts.sms_text(title="演练通知", body="很长的正文" * 100, drill=True, token="abcDEF123456")
    assert text.startswith("【区应急指挥中心】【演练】演练通知：") and text.endswith("/n/abcDEF123456")
    assert texts.sms_parts(text) == 2 and "…" in text
    short = texts.sms_text(title="到岗", body="", drill=False, token="t" * 12)
    assert texts.sms_parts("字" * 70) == 1 and texts.sms_parts("字" * 71) == 2 and texts.sms_parts("字" * 135) == 3
    assert "【演练】" not in short


def test_the_link_opens_only_that_notice_reads_it_confirms_it_and_expires(client, duty_officer):
    contact = Contact.objects.create(name="吴五", mobile="+8613800000301")
    notice = services.notice_send(actor=duty_officer, title="封路通知", body="G4 封闭", contacts=[contact.pk],
                                  channels_wanted=["sms"])
    receipt = notice.receipts.get()
    page = client.get(f"/n/{receipt.token}")
    assert page.status_code == 200 and "封路通知" in page.content.decode()
    receipt.refresh_from_db()
    assert receipt.state == "read" and receipt.read_at
    confirmed = client.post(f"/n/{receipt.token}/confirm/")
    assert confirmed.status_code == 200 and 'id="confirmed"' in confirmed.content.decode()
    receipt.refresh_from_db()
    assert receipt.state == "confirmed"
    assert client.get("/n/not-a-token").status_code == 404
    Receipt.objects.filter(pk=receipt.pk).update(token_expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client.get(f"/n/{receipt.token}").status_code == 404


def test_the_unconfirmed_are_chased_by_the_next_channel_then_their_deputy(duty_officer, make_user):
    deputy = Contact.objects.create(name="副手", mobile="+8613800000402")
    person_user = make_user("chased_t")
    person = Contact.objects.create(name="主责人", mobile="+8613800000401", user=person_user, deputy=deputy)
    notice = services.notice_send(actor=duty_officer, title="集合", contacts=[person.pk], channels_wanted=["app"],
                                  confirm_within_s=60)
    assert ProcrastinateJob.objects.filter(task_name="notices.chase", args={"notice_id": notice.pk, "round": 1}).exists()
    assert services.notice_chase(notice_id=notice.pk, round=1) == 1
    assert list(notice.receipts.values_list("name", "channel", "round")) == [("主责人", "app", 0), ("主责人", "sms", 1)]
    services.notice_chase(notice_id=notice.pk, round=2)  # no channel left: the deputy
    rows = list(notice.receipts.order_by("id").values_list("name", "state", "round"))
    assert rows[:2] == [("主责人", "escalated", 0), ("主责人", "escalated", 1)]
    assert ("副手", "queued", 2) in rows
    # Someone who confirmed is not chased.
    services.receipt_confirm(token=notice.receipts.get(name="副手", channel="sms").token)
    assert services.notice_chase(notice_id=notice.pk, round=3) == 0


def test_ten_thousand_recipients_are_accepted_and_paced_at_the_configured_rate(duty_officer, settings):
    settings.SMS_RATE = 50
    Contact.objects.bulk_create([Contact(name=f"人{i}", mobile=f"+86139{i:08d}") for i in range(10_000)])
    notice = services.notice_send(actor=duty_officer, title="全区通知", contacts=list(
        Contact.objects.values_list("pk", flat=True)), channels_wanted=["sms"])
    slots = list(notice.receipts.order_by("send_after").values_list("send_after", flat=True))
    assert len(slots) == 10_000
    assert (slots[-1] - slots[0]).total_seconds() == pytest.approx(9_999 / 50, abs=1)
    assert ProcrastinateJob.objects.filter(task_name="notices.send_receipt").count() == 10_000
