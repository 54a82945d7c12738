"""Mobile numbers: parsed strictly, stored E.164, shown masked (DOMAIN: Reaching people)."""

import re

from django.utils.translation import gettext as _

from core.errors import DomainError

_CN_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_E164 = re.compile(r"\+[1-9][0-9]{7,14}")
_SEPARATORS = re.compile(r"[\s\-().]")


def normalise_mobile(raw: str) -> str:
    """'138 0000 0001', '+86 138-0000-0001', '008613800000001' -> '+8613800000001'.

    Chinese mobiles are 11 digits starting 1[3-9]; a number with another country code must be
    a whole E.164 number. Anything else is a DomainError saying what a number looks like."""
    text = _SEPARATORS.sub("", str(raw or ""))
    if text.startswith("00"):
        text = "+" + text[2:]
    if not text.isascii():
        text = ""
    if _CN_MOBILE.fullmatch(text):
        return "+86" + text
    if text.startswith("+86"):
        if _CN_MOBILE.fullmatch(text[3:]):
            return text
    elif _E164.fullmatch(text):
        return text
    raise DomainError(_("Not a mobile number: give 11 digits starting 13–19 (e.g. 13800000001) "
                        "or a full international number (+8613800000001)."))


def mask(number: str) -> str:
    """What logs and screens for strangers show: '+86138****0001'."""
    if len(number) <= 7:
        return "*" * len(number)
    return number[:-8] + "****" + number[-4:]
