"""The gateway's way back in (Kannel calls these): delivery reports (`dlr-url`) and replies
(`sms-service` get-url). Both carry SMS_CALLBACK_SECRET in the path, compared in constant time:
anyone else gets a 404, as if nothing were here. Kannel retries nothing on our answers, and a
report or reply repeated (its own retry, a proxy's) counts once (notices.services)."""

from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from core.errors import DomainError
from notices import services


def _check(secret: str) -> None:
    if not constant_time_compare(secret, settings.SMS_CALLBACK_SECRET):
        raise Http404()


@csrf_exempt
@require_GET
def delivery_report(request, secret, receipt_id):
    _check(secret)
    raw = request.GET.get("type", "")
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 3):
        return HttpResponse("type must be a Kannel DLR type (1, 2, 4, 8, 16)\n", status=400, content_type="text/plain")
    try:
        outcome = services.delivery_report(receipt_id=receipt_id, dlr_type=int(raw))
    except DomainError as exc:
        return HttpResponse(f"{exc.message}\n", status=exc.status, content_type="text/plain")
    return HttpResponse(f"{outcome}\n", content_type="text/plain")


@csrf_exempt
@require_GET
def incoming(request, secret):
    _check(secret)
    sender = request.GET.get("from", "")[:40]
    gateway_id = request.GET.get("id", "")[:100]
    if not sender or not gateway_id:
        return HttpResponse("from and id are required\n", status=400, content_type="text/plain")
    text = request.GET.get("text", "")
    services.sms_reply(sender=sender, text=text, gateway_id=gateway_id)
    # smsbox sends a non-empty answer back to the phone as a reply SMS: say nothing.
    return HttpResponse("", content_type="text/plain")
