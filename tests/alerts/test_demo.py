import pytest
from lxml import etree

from alerts.cap import build_cap
from alerts.models import Alert
from command import demo as demo_module

pytestmark = pytest.mark.django_db


def test_demo_has_an_issued_typhoon_warning_and_a_draft(demo, client, cap_schema):
    issued = Alert.objects.get(status="issued")
    assert (issued.level, issued.event_en) == ("yellow", "Typhoon")
    assert Alert.objects.filter(status="draft").count() == 1
    assert cap_schema.validate(etree.fromstring(build_cap(issued)))
    assert "台风黄色预警" in client.get("/alerts/feed/").content.decode()
    demo_module.load()
    assert Alert.objects.count() == 2, "loading the demo twice adds nothing"
