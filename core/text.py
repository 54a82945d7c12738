"""Text that every field can keep, and every file format can carry.

C0 controls other than tab, newline and carriage return are illegal in XML 1.0: one of them in a
title broke every .xlsx ledger and CAP file carrying it (issue 22). A lone UTF-16 surrogate
("\\ud800" is valid JSON) cannot be encoded as UTF-8, so it crashed the renderer of the very
400 that named it. Input refuses both (core.api_base.JSONParser for every JSON body, the
validator below for forms); exports clean what older rows may still hold (`xml_safe`).
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def unstorable_message(where: str, char: str) -> str:
    kind = (gettext_lazy("a lone UTF-16 surrogate") if 0xD800 <= ord(char) <= 0xDFFF
            else gettext_lazy("a control character"))
    return gettext_lazy("“%(where)s” contains U+%(code)04X (%(kind)s), which no field accepts. "
                        "Remove it and try again.") % {"where": where, "code": ord(char), "kind": kind}


def find_unstorable(data, path: str = "") -> str | None:
    """The message for the first string (key or value, at any depth) holding an unstorable
    character, or None."""
    stack = [(data, path)]
    while stack:
        value, where = stack.pop()
        if isinstance(value, str):
            found = UNSTORABLE.search(value)
            if found:
                return unstorable_message(where or "body", found.group())
        elif isinstance(value, dict):
            for key, item in value.items():
                key = str(key)
                found = UNSTORABLE.search(key)
                if found:
                    return unstorable_message(ascii(key), found.group())
                stack.append((item, f"{where}.{key}" if where else key))
        elif isinstance(value, list | tuple):
            stack.extend((item, f"{where}[{index}]") for index, item in enumerate(value))
    return None


def validate_storable(value) -> None:
    """A form field validator: the message names the character to remove."""
    if isinstance(value, str):
        found = UNSTORABLE.search(value)
        if found:
            char = found.group()
            kind = (gettext_lazy("a lone UTF-16 surrogate") if 0xD800 <= ord(char) <= 0xDFFF
                    else gettext_lazy("a control character"))
            raise ValidationError(gettext_lazy("Contains U+%(code)04X (%(kind)s), which no field accepts. "
                                               "Remove it and try again.") % {"code": ord(char), "kind": kind},
                                  code="unstorable")


def xml_safe(value):
    """The text without characters XML cannot carry (for exports of rows stored before the check)."""
    return UNSTORABLE.sub("", value) if isinstance(value, str) else value
