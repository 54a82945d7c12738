"""The exchange's JSON, item by item: which fields each kind has, and what is wrong with an item
in words the sender's developers can fix. Field names follow the national data exchange
specification (危险化学品企业双重预防机制数字化建设数据交换规范) as far as its public copies show;
docs/api.md "双重预防 exchange" is the reference for senders.

Parsing is pure (no database): exchange.services resolves the parents and writes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import dateparse, timezone
from django.utils.translation import gettext as _

from core.text import UNSTORABLE, unstorable_message

ID_MAX = 64
MAX_ITEMS = 5000
# The order a batch is applied in: parents before children, hidden dangers last (they may
# name the measure whose check found them).
KINDS = ("riskObjects", "riskUnits", "riskEvents", "controlMeasures", "checkTasks", "hiddenDangers")
TOP_LEVEL = {"companyCode", *KINDS}
# Which earlier kind a child's parent id names.
PARENT = {"riskUnits": ("riskObjectId", "riskObjects"), "riskEvents": ("riskUnitId", "riskUnits"),
          "controlMeasures": ("riskEventId", "riskEvents"), "checkTasks": ("riskMeasureId", "controlMeasures")}
CYCLE_UNITS = ("hour", "day", "week", "month", "year")
# dangerState of the specification: 0 整改中, 1 待验收, 9 已验收.
DANGER_STATES = (0, 1, 9)


class ItemError(Exception):
    """One item is wrong: the message names the field and what to send instead."""


@dataclass
class Spec:
    name: str  # the JSON field
    attr: str  # the model field
    kind: str = "text"  # text | int | level | datetime | money | criteria
    required: bool = False
    max_length: int = 200
    low: int = 0
    high: int = 0


@dataclass
class Parsed:
    source_id: str
    deleted: bool
    values: dict = field(default_factory=dict)
    parent_id: str | None = None


FIELDS: dict[str, list[Spec]] = {
    "riskObjects": [
        Spec("hazardCode", "code", max_length=64), Spec("hazardName", "name", required=True),
        Spec("riskLevel", "level", "int", low=1, high=4), Spec("hazardDep", "department", max_length=100),
        Spec("hazardLiablePerson", "liable_person", max_length=100)],
    "riskUnits": [
        Spec("riskUnitName", "name", required=True), Spec("hazardDep", "department", max_length=100),
        Spec("hazardLiablePerson", "liable_person", max_length=100)],
    "riskEvents": [Spec("riskEventName", "name", required=True), Spec("riskLevel", "level", "int", low=1, high=4)],
    "controlMeasures": [
        Spec("riskMeasureDesc", "description", required=True, max_length=4000),
        Spec("classify1", "classify1", max_length=64), Spec("classify2", "classify2", max_length=64),
        Spec("troubleshootContent", "check_content", max_length=4000)],
    "checkTasks": [
        Spec("troubleshootContent", "content", required=True, max_length=4000),
        Spec("checkCycle", "cycle", "int", required=True, low=1, high=10000),
        Spec("checkCycleUnit", "cycle_unit", "unit", required=True),
        Spec("workPost", "post", max_length=100)],
    "hiddenDangers": [
        Spec("dangerName", "title", required=True), Spec("dangerDesc", "description", max_length=4000),
        Spec("dangerLevel", "level", "int", required=True, low=0, high=1),
        Spec("dangerManageDeadline", "deadline", "datetime", required=True),
        Spec("dangerState", "state", "state"),
        Spec("majorCriteria", "criteria", "criteria"),
        Spec("riskMeasureId", "measure", "ref"),
        Spec("controlMeasures", "measures", max_length=4000), Spec("liablePerson", "responsible", max_length=100),
        Spec("cost", "funds_cny", "money"), Spec("contingencyPlan", "contingency", max_length=4000)],
}


# Fields of the national specification this exchange does not keep, as its public copies (the
# provinces' implementations of it) show them: accepted and ignored, so a system sending the
# specification's full item is not refused for them. A unit's `hazardCode` (the specification names
# a unit's analysis object by that code) is ignored too: the parent here is `riskObjectId`.
SPEC_IGNORED_COMMON = ("companyCode", "createDate", "createBy", "updateDate", "updateBy")
SPEC_IGNORED = {
    "riskObjects": (),
    "riskUnits": ("hazardCode",),
    "riskEvents": (),
    "controlMeasures": ("dataSrc", "classify3"),
    "checkTasks": ("taskStartTime", "workStartTime", "workEndTime", "workDayType", "workType", "taskNum"),
    "hiddenDangers": ("hazardCode", "checkRecordId", "registTime", "registrant", "dangerSrc", "dangerManageType",
                      "hazardDangerType", "dangerReason", "hazardCategory", "checkAcceptPerson", "checkAcceptTime",
                      "checkAcceptComment"),
}


def parse_item(kind: str, raw) -> Parsed:
    """The item's id, deletion flag, model values and parent id, or ItemError."""
    if not isinstance(raw, dict):
        raise ItemError(_("Each item is a JSON object."))
    found = _unstorable(raw)
    if found:
        raise ItemError(found)
    source_id = raw.get("id")
    if isinstance(source_id, int) and not isinstance(source_id, bool):
        source_id = str(source_id)
    if not isinstance(source_id, str) or not source_id.strip() or len(source_id.strip()) > ID_MAX:
        raise ItemError(_("“id” is the item's id in your system: a string or integer of 1 to %(n)d characters.")
                        % {"n": ID_MAX})
    parent_field = PARENT.get(kind, (None, None))[0]
    known = {"id", "deleted", *(s.name for s in FIELDS[kind]), *([parent_field] if parent_field else [])}
    unknown = sorted(set(raw) - known - {*SPEC_IGNORED_COMMON, *SPEC_IGNORED[kind]})
    if unknown:
        raise ItemError(_("Unknown field(s) %(fields)s; this kind takes %(known)s.") % {
            "fields": ", ".join(unknown), "known": ", ".join(sorted(known))})
    deleted = raw.get("deleted", 0)
    if deleted not in (0, 1) or isinstance(deleted, float):
        raise ItemError(_("“deleted” is 0 or 1."))
    parsed = Parsed(source_id=source_id.strip(), deleted=bool(deleted))
    if parent_field:
        parsed.parent_id = _ref(raw.get(parent_field), parent_field, required=True)
    for spec in FIELDS[kind]:
        parsed.values[spec.attr] = _value(spec, raw.get(spec.name))
    return parsed


def _unstorable(raw: dict) -> str | None:
    for key, value in raw.items():
        for text, where in ((key, ascii(key)), (value, key)):
            if isinstance(text, str):
                hit = UNSTORABLE.search(text)
                if hit:
                    return str(unstorable_message(where, hit.group()))
        if isinstance(value, list):
            for element in value:
                if isinstance(element, str) and UNSTORABLE.search(element):
                    return str(unstorable_message(key, UNSTORABLE.search(element).group()))
    return None


def _ref(value, name: str, required: bool) -> str | None:
    if value is None or value == "":
        if required:
            raise ItemError(_("“%(field)s” is missing: name the parent by its id in your system.") % {"field": name})
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or len(value.strip()) > ID_MAX:
        raise ItemError(_("“%(field)s” is an id: a string or integer of 1 to %(n)d characters.") % {
            "field": name, "n": ID_MAX})
    return value.strip()


def _value(spec: Spec, value):
    if value is None or value == "":
        if spec.required:
            raise ItemError(_("“%(field)s” is missing.") % {"field": spec.name})
        return {"text": "", "criteria": []}.get(spec.kind)
    if spec.kind == "text":
        if not isinstance(value, str):
            raise ItemError(_("“%(field)s” is text.") % {"field": spec.name})
        value = value.strip()
        if len(value) > spec.max_length:
            raise ItemError(_("“%(field)s” is at most %(n)d characters.") % {"field": spec.name, "n": spec.max_length})
        return value
    if spec.kind == "ref":
        return _ref(value, spec.name, required=False)
    if spec.kind in ("int", "state"):
        if isinstance(value, str) and value.isascii() and value.isdigit():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise ItemError(_("“%(field)s” is a whole number.") % {"field": spec.name})
        if spec.kind == "state":
            if value not in DANGER_STATES:
                raise ItemError(_("“dangerState” is 0 (整改中), 1 (待验收) or 9 (已验收)."))
            return value
        if not spec.low <= value <= spec.high:
            raise ItemError(_("“%(field)s” runs from %(low)d to %(high)d.") % {
                "field": spec.name, "low": spec.low, "high": spec.high})
        return value
    if spec.kind == "unit":
        if value not in CYCLE_UNITS:
            raise ItemError(_("“%(field)s” is one of %(units)s.") % {"field": spec.name, "units": ", ".join(CYCLE_UNITS)})
        return value
    if spec.kind == "money":
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1e12:
            raise ItemError(_("“%(field)s” is an amount in CNY from 0 to 999,999,999,999.") % {"field": spec.name})
        return value
    if spec.kind == "criteria":
        if not isinstance(value, list) or not all(isinstance(c, str) for c in value) or len(value) > 20:
            raise ItemError(_("“majorCriteria” is a list of the 重大隐患判定标准's item codes "
                              "(/api/v1/hidden-danger-criteria/)."))
        return sorted(set(value))
    if spec.kind == "datetime":
        return parse_time(value, spec.name)
    raise AssertionError(spec.kind)


def parse_time(value, name: str) -> dt.datetime:
    """ISO 8601 with or without an offset (without: the park's local time, as the specification's
    “yyyy-MM-dd HH:mm:ss” is), or a date alone (the end of that day)."""
    if not isinstance(value, str):
        raise ItemError(_("“%(field)s” is a time, e.g. 2026-12-31 18:00:00 or 2026-12-31.") % {"field": name})
    text = value.strip()
    try:
        when = dateparse.parse_datetime(text)
        if when is None:
            day = dateparse.parse_date(text)
            when = dt.datetime.combine(day, dt.time(23, 59, 59)) if day else None
    except ValueError:
        when = None
    if when is None or not 2000 <= when.year <= 2999:
        raise ItemError(_("“%(field)s” is a time between the years 2000 and 2999, e.g. 2026-12-31 18:00:00 or "
                          "2026-12-31 (got “%(value)s”).") % {"field": name, "value": text[:40]})
    try:
        # In UTC: PostgreSQL refuses offsets beyond ±15:59 that Python accepts.
        return (timezone.make_aware(when) if timezone.is_naive(when) else when).astimezone(dt.UTC)
    except (OverflowError, ValueError):
        raise ItemError(_("“%(field)s” is a time between the years 2000 and 2999, e.g. 2026-12-31 18:00:00 or "
                          "2026-12-31 (got “%(value)s”).") % {"field": name, "value": text[:40]}) from None
