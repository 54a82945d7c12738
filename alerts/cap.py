"""OASIS CAP 1.2 XML for an alert (element order follows the official XSD).

An issued alert is an Actual message whose msgType follows its status (Alert, Update,
Cancel); a drill's alert is an Exercise message, with a note and headlines that say so.
A draft renders as status "Draft" for the commander's preview only: it is never
served to the public.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from lxml import etree

from alerts.geometry import area_to_cap

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
CAP_CONTENT_TYPE = "application/cap+xml"
EXERCISE_NOTE = "演练 / EXERCISE: 本预警为应急演练，不是真实预警。This is an exercise, not a real warning."


def build_cap(alert) -> bytes:
    """The alert's current CAP message as UTF-8 XML bytes."""
    root = etree.Element(_tag("alert"), nsmap={None: CAP_NS})
    is_draft = alert.status == "draft"
    exercise = alert.is_exercise
    _add(root, "identifier", alert.identifier or f"draft.alert.{alert.pk}")
    _add(root, "sender", alert.sender or cap_sender())
    _add(root, "sent", cap_time(alert.sent or timezone.now()))
    _add(root, "status", "Draft" if is_draft else "Exercise" if exercise else "Actual")
    _add(root, "msgType", alert.msg_type)
    _add(root, "scope", "Public")
    if exercise or alert.note:
        # CAP 1.2 meant <note> for Exercise messages: say plainly that this is a drill.
        _add(root, "note", " ".join(filter(None, [EXERCISE_NOTE if exercise else "", alert.note])))
    if alert.references and not is_draft:
        _add(root, "references", alert.references)
    if alert.incident_id and alert.incident.number:
        _add(root, "incidents", alert.incident.number)
    _info(root, alert, "zh-CN", alert.event, ("【演练】" if exercise else "") + alert.headline,
          alert.description, alert.instructions, settings.CAP_SENDER_NAME)
    if alert.headline_en:
        _info(root, alert, "en-US", alert.event_en or alert.event,
              ("[EXERCISE] " if exercise else "") + alert.headline_en,
              alert.description_en or alert.description, alert.instructions_en,
              settings.CAP_SENDER_NAME_EN)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def cap_time(value) -> str:
    """CAP date-time: local time with a numeric offset (+08:00), whole seconds, never "Z"."""
    text = timezone.localtime(value).isoformat(timespec="seconds")
    # A UTC server timezone would give "+00:00" already; guard anyway, since "Z" is invalid CAP.
    return text[:-1] + "+00:00" if text.endswith("Z") else text


def _info(root, alert, language, event, headline, description, instruction, sender_name) -> None:
    info = etree.SubElement(root, _tag("info"))
    _add(info, "language", language)
    _add(info, "category", alert.category)
    _add(info, "event", event)
    _add(info, "urgency", alert.urgency)
    _add(info, "severity", alert.severity)
    _add(info, "certainty", alert.certainty)
    if alert.effective:
        _add(info, "effective", cap_time(alert.effective))
    _add(info, "expires", cap_time(alert.expires))
    _add(info, "senderName", sender_name)
    _add(info, "headline", headline)
    _add(info, "description", description)
    if instruction:
        _add(info, "instruction", instruction)
    parameter = etree.SubElement(info, _tag("parameter"))
    _add(parameter, "valueName", "warningLevel")
    _add(parameter, "value", alert.level)
    area = etree.SubElement(info, _tag("area"))
    _add(area, "areaDesc", alert.area_description)
    for polygon in area_to_cap(alert.area):
        _add(area, "polygon", polygon)


def _add(parent, name: str, text: str):
    element = etree.SubElement(parent, _tag(name))
    element.text = _xml_safe(str(text))
    return element


def _tag(name: str) -> str:
    return f"{{{CAP_NS}}}{name}"


def _xml_safe(text: str) -> str:
    # lxml escapes markup itself; it refuses control characters XML 1.0 cannot carry, so drop them.
    return "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 0x20)


def cap_sender() -> str:
    """The CAP sender: a setting, since it names this centre to every receiving system."""
    return settings.CAP_SENDER
