"""Stream payloads of notices (declared in notices.events).

- `notice.created` to the console and the sender: {"id", "title", "incident", "drill", "source",
  "channels", "counts": {state: n}}; to an app recipient (`user:<id>`) additionally "body" and
  "link" (their own /n/<token> page, which opens and confirms this notice for them only).
- `notice.receipt` to the console and the sender: {"notice", "receipt": <receipt as in the API>,
  "counts": {state: n}}.
- `sms.received` to the console: {"id", "from" (masked), "text", "outcome", "notice", "receipt"}.
"""

from typing import NotRequired, TypedDict

from django.db.models import Count

from notices import phones, texts


class NoticeCreatedPayload(TypedDict):
    id: int
    title: str
    incident: int | None
    drill: bool
    source: str
    channels: list[str]
    counts: NotRequired[dict[str, int]]  # to the console and the sender
    body: NotRequired[str]  # to an app recipient: body, link and receipt
    link: NotRequired[str]
    receipt: NotRequired[int]


class ReceiptPayload(TypedDict):
    id: int
    contact: int | None
    name: str
    channel: str
    state: str
    text: str
    sent_at: str | None
    delivered_at: str | None
    read_at: str | None
    confirmed_at: str | None
    error: str
    round: int
    mobile: str


class NoticeReceiptPayload(TypedDict):
    notice: int
    receipt: ReceiptPayload


# "from" is a keyword: the functional syntax.
SmsReceivedPayload = TypedDict("SmsReceivedPayload", {
    "id": int, "from": str, "text": str, "outcome": str, "notice": int | None, "receipt": int | None})


def receipt_payload(receipt) -> dict:
    return {"id": receipt.pk, "contact": receipt.contact_id, "name": receipt.name, "channel": receipt.channel,
            "state": receipt.state, "text": receipt.text, "sent_at": receipt.sent_at,
            "delivered_at": receipt.delivered_at, "read_at": receipt.read_at, "confirmed_at": receipt.confirmed_at,
            "error": receipt.error, "round": receipt.round,
            "mobile": phones.mask(receipt.mobile) if receipt.mobile else ""}


def counts(notice_id: int) -> dict:
    from notices.models import Receipt

    rows = Receipt.objects.filter(notice_id=notice_id).values("state").annotate(n=Count("id"))
    return {row["state"]: row["n"] for row in rows}


def notice_created(notice, receipt=None) -> dict:
    payload = {"id": notice.pk, "title": notice.title, "incident": notice.incident_id, "drill": notice.drill,
               "source": notice.source, "channels": list(notice.channels)}
    if receipt is None:
        payload["counts"] = counts(notice.pk)
    else:
        payload.update(body=notice.body, link=texts.link_for(receipt.token), receipt=receipt.pk)
    return payload


def notice_receipt(receipt) -> dict:
    return {"notice": receipt.notice_id, "receipt": receipt_payload(receipt)}


def sms_received(report) -> dict:
    receipt = report.receipt
    return {"id": report.pk, "from": phones.mask(report.sender) if report.sender else "", "text": report.text,
            "outcome": report.outcome, "notice": receipt.notice_id if receipt else None,
            "receipt": receipt.pk if receipt else None}
