"""What a notice says on each channel, sized for phones (DOMAIN: Reaching people).

Chinese SMS are UCS-2: 70 characters in one message, 67 per part once concatenated. Every SMS
starts with the 【signature】 carriers require, says 【演练】 when it is a drill, and ends with
the reply hint and the person's link; the body is shortened (never the link) so the whole
fits in SMS_MAX_PARTS parts. No name or number of the recipient is in the text: the link
knows who they are."""

import math

from django.conf import settings

SINGLE = 70
PART = 67


def sms_parts(text: str) -> int:
    """Number of UCS-2 messages `text` takes (each code unit above the BMP counts twice)."""
    units = len(text.encode("utf-16-be")) // 2
    return 1 if units <= SINGLE else math.ceil(units / PART)


def link_for(token: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/n/{token}"


def sms_text(*, title: str, body: str, drill: bool, token: str, confirm: bool = True) -> str:
    head = f"【{settings.SMS_SIGNATURE}】" + ("【演练】" if drill else "") + title.strip()
    tail = (" 回复1确认 " if confirm else " ") + link_for(token)
    budget = PART * max(1, settings.SMS_MAX_PARTS) - _units(head) - _units(tail)
    body = " ".join(body.split())
    if body:
        text = f"{head}：{body}"
        if _units(text) > budget + _units(head):
            keep = max(0, budget - 2)
            text = head + "：" + _cut(body, keep) + "…"
    else:
        text = head
    return text + tail


def app_text(*, title: str, body: str, drill: bool) -> str:
    return ("【演练】" if drill else "") + title.strip() + (f"\n{body.strip()}" if body.strip() else "")


def _units(text: str) -> int:
    return len(text.encode("utf-16-be")) // 2


def _cut(text: str, units: int) -> str:
    out, used = [], 0
    for char in text:
        used += _units(char)
        if used > units:
            break
        out.append(char)
    return "".join(out)
