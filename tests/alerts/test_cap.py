import re

import pytest
from lxml import etree

from alerts import services
from alerts.cap import build_cap

pytestmark = pytest.mark.django_db
NS = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}
CAP_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$")


def _parse(alert):
    return etree.fromstring(build_cap(alert))


def test_alert_update_and_cancel_validate_against_the_official_xsd(commander, fields, cap_schema):
    draft = services.alert_create(actor=commander, **fields(headline_en="Typhoon yellow warning",
                                                            description_en="Gales expected."))
    messages = {"Draft": build_cap(draft)}
    alert = services.alert_issue(actor=commander, alert_id=draft.pk)
    messages["Alert"] = build_cap(alert)
    alert = services.alert_update(actor=commander, alert_id=draft.pk, level="orange")
    messages["Update"] = build_cap(alert)
    alert = services.alert_cancel(actor=commander, alert_id=draft.pk, note="解除")
    messages["Cancel"] = build_cap(alert)
    for msg_type, xml in messages.items():
        doc = etree.fromstring(xml)
        assert cap_schema.validate(doc), (msg_type, cap_schema.error_log)
        if msg_type != "Draft":
            assert doc.findtext("cap:msgType", namespaces=NS) == msg_type
            assert doc.findtext("cap:status", namespaces=NS) == "Actual"
    draft_doc = etree.fromstring(messages["Draft"])
    assert draft_doc.findtext("cap:status", namespaces=NS) == "Draft"


def test_message_header_and_references(commander, fields):
    draft = services.alert_create(actor=commander, **fields())
    issued = services.alert_issue(actor=commander, alert_id=draft.pk)
    doc = _parse(issued)
    first_id, first_sent = doc.findtext("cap:identifier", namespaces=NS), doc.findtext("cap:sent", namespaces=NS)
    assert doc.findtext("cap:scope", namespaces=NS) == "Public"
    assert doc.find("cap:references", NS) is None
    assert CAP_TIME.match(first_sent), first_sent
    update = _parse(services.alert_update(actor=commander, alert_id=draft.pk, headline="更新"))
    sender = update.findtext("cap:sender", namespaces=NS)
    assert update.findtext("cap:references", namespaces=NS) == f"{sender},{first_id},{first_sent}"
    assert update.findtext("cap:identifier", namespaces=NS) != first_id
    for element in update.iter():
        if element.tag.split("}")[1] in ("sent", "effective", "expires"):
            assert CAP_TIME.match(element.text) and not element.text.endswith("Z"), element.text


def test_info_content_languages_and_level_defaults(commander, fields):
    alert = services.alert_create(actor=commander, **fields(level="red", headline_en="Red warning"))
    infos = _parse(alert).findall("cap:info", NS)
    assert [i.findtext("cap:language", namespaces=NS) for i in infos] == ["zh-CN", "en-US"]
    zh = infos[0]
    assert zh.findtext("cap:category", namespaces=NS) == "Met"
    assert zh.findtext("cap:event", namespaces=NS) == "台风"
    assert [zh.findtext(f"cap:{n}", namespaces=NS) for n in ("urgency", "severity", "certainty")] == \
        ["Immediate", "Extreme", "Likely"]
    assert zh.findtext("cap:instruction", namespaces=NS) == "渔船回港避风。"
    assert zh.findtext("cap:area/cap:areaDesc", namespaces=NS) == "沿海区域"
    assert infos[1].findtext("cap:headline", namespaces=NS) == "Red warning"
    only_zh = services.alert_create(actor=commander, **fields())
    assert len(_parse(only_zh).findall("cap:info", NS)) == 1


def test_polygon_is_lat_lon_and_closed(commander, fields):
    # GeoJSON input is [lon, lat]; CAP output must be "lat,lon".
    area = {"type": "Polygon", "coordinates": [[[113.55, 22.62], [113.72, 22.62], [113.72, 22.74],
                                                [113.55, 22.62]]]}
    alert = services.alert_create(actor=commander, **fields(area=area))
    polygon = _parse(alert).findtext("cap:info/cap:area/cap:polygon", namespaces=NS)
    pairs = polygon.split()
    assert pairs[0] == "22.62,113.55" and pairs[1] == "22.62,113.72"
    assert pairs[0] == pairs[-1] and len(pairs) == 4


def test_user_text_is_escaped_not_interpreted(commander, fields, cap_schema):
    alert = services.alert_create(actor=commander, **fields(headline="<b>警告</b> & \"测试\"\x07"))
    xml = build_cap(alert)
    assert b"<b>" not in xml
    doc = etree.fromstring(xml)
    assert doc.findtext("cap:info/cap:headline", namespaces=NS) == "<b>警告</b> & \"测试\""
    assert cap_schema.validate(doc)
