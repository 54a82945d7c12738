"""SMS through a real Kannel (bearerbox + smsbox, fakesmsc as the carrier): out by `sendsms`,
delivery reports back by `dlr-url`, replies in by the `sms-service` URL (issue 21, points 2, 6, 8)."""

import pytest
from django.db import connection
from procrastinate.contrib.django.models import ProcrastinateJob

from notices import services
from notices.models import Contact, GatewayReport, Receipt
from tests.notices.conftest import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def _send(duty_officer, contacts, **extra):
    return services.notice_send(actor=duty_officer, title="氨泄漏", body="园区E01储罐区氨泄漏，请立即到指挥部。",
                                contacts=[c.pk for c in contacts], channels_wanted=["sms"], **extra)


def _run_jobs(notice):
    for receipt in notice.receipts.order_by("id"):
        services.receipt_send(receipt_id=receipt.pk)


def test_a_notice_reaches_phones_through_the_gateway_and_comes_back_delivered_then_confirmed(
        sms_gateway, duty_officer, contacts):
    notice = _send(duty_officer, contacts)
    _run_jobs(notice)  # what the send jobs do: hand each receipt to smsbox's sendsms
    inbox = sms_gateway.inbox
    wait_until(lambda: len(inbox()) == 3, timeout=30, what="three messages at the carrier")
    by_number = dict(inbox())
    assert set(by_number) == {c.mobile for c in contacts}
    text = by_number[contacts[0].mobile]
    assert text.startswith("【区应急指挥中心】氨泄漏") and "回复1确认" in text
    receipt = notice.receipts.get(contact=contacts[0])
    assert f"/n/{receipt.token}" in text and contacts[0].name not in text  # the link, not the name
    # The carrier's delivery reports come back through dlr-url.
    wait_until(lambda: notice.receipts.filter(state="delivered").count() == 3, timeout=30, what="delivery reports")

    sms_gateway.reply(contacts[0].mobile.removeprefix("+86"), "收到")
    sms_gateway.reply(contacts[1].mobile, "1")
    sms_gateway.reply("+8613999999999", "谁发的短信？")
    sms_gateway.reply(contacts[2].mobile, "在路上")
    wait_until(lambda: GatewayReport.objects.filter(kind="reply").count() == 4, timeout=30, what="four replies")
    states = dict(notice.receipts.values_list("contact__name", "state"))
    assert states == {contacts[0].name: "confirmed", contacts[1].name: "confirmed", contacts[2].name: "delivered"}
    kept = dict(GatewayReport.objects.filter(kind="reply").exclude(outcome="confirmed").values_list("text", "outcome"))
    assert kept == {"谁发的短信？": "unknown_number", "在路上": "other_text"}


def _work_once() -> None:
    """The real procrastinate worker, in this process, for the jobs due now (as a worker process
    would run them; in-process so the test does not depend on a subprocess's start-up time)."""
    from procrastinate.contrib.django import app

    connector = app.connector.get_worker_connector()
    with app.replace_connector(connector) as worker_app:
        worker_app.run_worker(queues=["notices"], wait=False, install_signal_handlers=False, listen_notify=False)


def _send_jobs(notice) -> list:
    ids = set(notice.receipts.values_list("pk", flat=True))
    return [job for job in ProcrastinateJob.objects.filter(task_name="notices.send_receipt")
            if (job.args or {}).get("receipt_id") in ids]


def test_gateway_down_messages_wait_and_leave_once_when_it_returns(sms_gateway, duty_officer, contacts):
    sms_gateway.stop()
    notice = _send(duty_officer, contacts)

    def tried_and_waiting():
        _work_once()
        jobs = _send_jobs(notice)
        return len(jobs) == 3 and all(j.attempts >= 1 and j.status == "todo" for j in jobs)

    wait_until(tried_and_waiting, timeout=120, what="the worker to try the stopped gateway")
    assert set(notice.receipts.values_list("state", flat=True)) == {"queued"}
    assert sms_gateway.inbox() == []

    sms_gateway.start()
    # The retries are due after SMS_RETRY_S: let that time pass, then the worker sends them.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE procrastinate_jobs SET scheduled_at = now() WHERE id = ANY(%s)",
                       [[job.id for job in _send_jobs(notice)]])

    def delivered():
        _work_once()
        return notice.receipts.filter(state="delivered").count() == 3

    wait_until(delivered, timeout=90, what="the waiting messages to leave and be delivered")
    # The fake carrier writes what it received to its log a little after the delivery report.
    wait_until(lambda: len(sms_gateway.inbox()) >= 3, timeout=60, what="the carrier's log of the three messages")
    numbers = [to for to, _text in sms_gateway.inbox()]
    assert sorted(numbers) == sorted(c.mobile for c in contacts)  # each exactly once
    assert all(job.status == "succeeded" for job in _send_jobs(notice))


def test_a_delivery_report_or_reply_arriving_twice_counts_once(sms_gateway, duty_officer, contacts, client):
    notice = _send(duty_officer, contacts[:1])
    _run_jobs(notice)
    receipt = notice.receipts.get()
    wait_until(lambda: Receipt.objects.get(pk=receipt.pk).state == "delivered", timeout=30, what="the report")
    secret = sms_gateway.config["SMS_CALLBACK_SECRET"]
    again = client.get(f"/sms/gateway/{secret}/dlr/{receipt.pk}/", {"type": "1"})
    assert again.status_code == 200 and again.content.decode().strip() == "duplicate"
    assert GatewayReport.objects.filter(receipt=receipt, kind="dlr", text="1").count() == 1
    reply = {"from": contacts[0].mobile, "text": "1", "id": "same-message-id"}
    for _ in range(2):
        assert client.get(f"/sms/gateway/{secret}/in/", reply).status_code == 200
    assert GatewayReport.objects.filter(key="mo:same-message-id").count() == 1
    # Without the secret the gateway's doors do not exist.
    assert client.get(f"/sms/gateway/wrong/dlr/{receipt.pk}/", {"type": "2"}).status_code == 404
    assert Receipt.objects.get(pk=receipt.pk).state == "confirmed"


def _make_due(task_name: str, notice) -> None:
    """What waiting confirm_within_s would do: the notice's scheduled jobs of this kind are due now."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE procrastinate_jobs SET scheduled_at = now() WHERE task_name = %s AND status = 'todo' "
                       "AND (args->>'notice_id')::bigint = %s", [task_name, notice.pk])


def test_the_worker_chases_the_unconfirmed_by_sms_then_reaches_the_deputy_by_sms(
        sms_gateway, duty_officer, make_user):
    """Point 3 through the real worker and gateway: an app notice left unconfirmed past its
    deadline is sent again by SMS; unconfirmed again, the deputy's phone gets it."""
    deputy = Contact.objects.create(name="副手", mobile="+8613800000502")
    person = Contact.objects.create(name="主责人", mobile="+8613800000501", user=make_user("chased_w"), deputy=deputy)
    notice = services.notice_send(actor=duty_officer, title="集合", body="请到指挥部集合。", contacts=[person.pk],
                                  channels_wanted=["app"], confirm_within_s=60)
    _work_once()  # the app receipt goes out; the chase is not due yet
    assert sms_gateway.inbox() == [] and notice.receipts.count() == 1

    _make_due("notices.chase", notice)

    def chased_by_sms():
        _work_once()
        return person.mobile in [to for to, _text in sms_gateway.inbox()]

    wait_until(chased_by_sms, timeout=90, what="the chase to send the person an SMS")
    assert notice.receipts.get(channel="sms").round == 1

    # Still unconfirmed at the next deadline (which may already have passed on a slow machine): the deputy.
    _make_due("notices.chase", notice)

    def deputy_reached():
        _work_once()
        return deputy.mobile in [to for to, _text in sms_gateway.inbox()]

    wait_until(deputy_reached, timeout=90, what="the deputy's SMS")
    assert [to for to, _text in sms_gateway.inbox()].count(person.mobile) == 1  # chased once, not twice
    text = dict(sms_gateway.inbox())[deputy.mobile]
    assert "主责人" in text and "集合" in text  # the deputy learns who did not confirm, and what
    assert set(notice.receipts.filter(name="主责人").values_list("state", flat=True)) == {"escalated"}
