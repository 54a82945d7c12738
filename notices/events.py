import stream
from core import events
from notices import payloads


def _created_audiences(notice, receipt=None):
    if receipt is not None:
        return [stream.audience_user(receipt.user_id)]
    return [stream.CONSOLE] + ([stream.audience_user(notice.created_by_id)] if notice.created_by_id else [])


def _receipt_audiences(receipt):
    creator = receipt.notice.created_by_id
    return [stream.CONSOLE] + ([stream.audience_user(creator)] if creator else [])


NOTICE_CREATED = events.register(
    "notice.created", audiences=_created_audiences, payload=payloads.notice_created, schema=payloads.NoticeCreatedPayload,
    doc="A notice was sent (to the console and sender), or reached an app recipient (to that user).")
NOTICE_RECEIPT = events.register(
    "notice.receipt", audiences=_receipt_audiences, payload=payloads.notice_receipt, schema=payloads.NoticeReceiptPayload,
    doc="A receipt moved: sent, delivered, read, confirmed, failed or escalated.")
SMS_RECEIVED = events.register(
    "sms.received", audiences=lambda report: [stream.CONSOLE], payload=payloads.sms_received, schema=payloads.SmsReceivedPayload,
    doc="An SMS came in from a phone: a confirmation, other text, or an unknown number.")
