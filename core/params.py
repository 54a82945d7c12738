"""Strict parsers for query-string parameters: a bad value is a 400 naming the parameter and
what it takes, never a 500 from deep inside the database driver.

str.isdigit() is true for "²" (which int() then refuses), int() accepts "١٢" (Arabic-Indic
digits), "+5", " 5 " and "5_000", and PostgreSQL refuses NUL bytes in text and integers
beyond its column types. These parsers accept ASCII digits only, within stated bounds, and
text without control characters.
"""

from __future__ import annotations

import math
import re

from django.utils.translation import gettext as _

from core.errors import DomainError

# PostgreSQL integer (int4): ids, hours and grades all fit.
INT_MAX = 2**31 - 1
MAX_LIST = 100  # values in one comma-separated parameter
MAX_TEXT = 200  # characters of one free-text value
_ASCII_INT = re.compile(r"[0-9]{1,10}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def parse_int(raw: str | None, *, name: str, minimum: int = 0, maximum: int = INT_MAX,
              default: int | None = None) -> int | None:
    """A whole number written in ASCII digits, minimum ≤ n ≤ maximum; `default` when absent or empty."""
    if raw is None or raw == "":
        return default
    if not _ASCII_INT.fullmatch(raw) or not minimum <= int(raw) <= maximum:
        raise DomainError(_("%(name)s takes a whole number from %(min)s to %(max)s (got “%(value)s”).") % {
            "name": name, "min": minimum, "max": maximum, "value": _shown(raw)})
    return int(raw)


def parse_int_list(raw: str | None, *, name: str, minimum: int = 1, maximum: int = INT_MAX) -> list[int] | None:
    """Comma-separated whole numbers (ids, grades), each within bounds; None when absent or empty."""
    values = _split(raw, name)
    if values is None:
        return None
    if not all(_ASCII_INT.fullmatch(v) and minimum <= int(v) <= maximum for v in values):
        raise DomainError(_("%(name)s takes whole numbers from %(min)s to %(max)s, separated by commas "
                            "(got “%(value)s”).") % {"name": name, "min": minimum, "max": maximum,
                                                     "value": _shown(raw)})
    return [int(v) for v in values]


def parse_choice(raw: str | None, *, name: str, choices, default: str | None = None) -> str | None:
    """One of `choices`; `default` when absent or empty."""
    if raw is None or raw == "":
        return default
    choices = [str(c) for c in choices]
    if raw not in choices:
        raise DomainError(_("%(name)s must be one of %(choices)s (got “%(value)s”).") % {
            "name": name, "choices": ", ".join(choices), "value": _shown(raw)})
    return raw


def parse_choice_list(raw: str | None, *, name: str, choices) -> list[str] | None:
    """Comma-separated values, each one of `choices`; None when absent or empty."""
    values = _split(raw, name)
    if values is None:
        return None
    choices = [str(c) for c in choices]
    wrong = [v for v in values if v not in choices]
    if wrong:
        raise DomainError(_("%(name)s takes values from %(choices)s, separated by commas (“%(value)s” is not "
                            "one).") % {"name": name, "choices": ", ".join(choices), "value": _shown(wrong[0])})
    return values


def parse_text_list(raw: str | None, *, name: str, max_length: int = MAX_TEXT) -> list[str] | None:
    """Comma-separated free text (codes, names): no control characters, each value bounded."""
    values = _split(raw, name)
    if values is None:
        return None
    for value in values:
        if _CONTROL.search(value) or len(value) > max_length:
            raise DomainError(_("%(name)s takes text of at most %(n)s characters without control characters.")
                              % {"name": name, "n": max_length})
    return values


def parse_bbox(raw: str | None, *, name: str = "bbox") -> tuple[float, float, float, float] | None:
    """minlon,minlat,maxlon,maxlat in WGS 84 degrees, west before east and south before north."""
    if raw is None or raw == "":
        return None
    message = _("%(name)s must be minlon,minlat,maxlon,maxlat in degrees, west before east and south before "
                "north.") % {"name": name}
    parts = raw.split(",")
    if len(parts) != 4 or len(raw) > 200 or not all(part.isascii() for part in parts):
        raise DomainError(message)
    try:
        minx, miny, maxx, maxy = (float(part) for part in parts)
    except (ValueError, OverflowError):
        raise DomainError(message) from None
    if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)):
        raise DomainError(message)
    if not (-180 <= minx < maxx <= 180 and -90 <= miny < maxy <= 90):
        raise DomainError(message)
    return minx, miny, maxx, maxy


def _split(raw: str | None, name: str) -> list[str] | None:
    if raw is None or raw == "":
        return None
    values = [v for v in raw.split(",") if v]
    if not values:
        return None
    if len(values) > MAX_LIST:
        raise DomainError(_("%(name)s takes at most %(n)s values.") % {"name": name, "n": MAX_LIST})
    return values


def _shown(raw: str) -> str:
    """The value as a person can read it back: control characters escaped, cut short."""
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", raw)
    return text if len(text) <= 40 else text[:40] + "…"


def is_id(raw) -> bool:
    """True for a database id written in ASCII digits that fits PostgreSQL's integer: for
    lookups where anything else simply finds nothing (str.isdigit() accepts "²" and "١٢")."""
    text = str(raw)
    return bool(_ASCII_INT.fullmatch(text)) and 0 < int(text) <= INT_MAX
