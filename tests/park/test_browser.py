"""In a real browser: a hazardous-chemical vehicle without an appointment passes the park's main
gate, and the gate alarm rings on the console (as sensor alarms ring); the duty officer
acknowledges it with a note and the ringing stops; after a reload it is still shown."""

import datetime as dt
import secrets

import pytest
from django.utils import timezone

from park.models import GateAlarm
from tests.conftest import login
from tests.monitoring.conftest import wait_until
from tests.park.conftest import api, passage

pytestmark = pytest.mark.e2e


@pytest.fixture
def gate_token(transactional_db, demo, make_user):
    from core.tokens import token_hash
    from devices.models import Device

    make_user("gate_duty", "duty_officer")
    token = "dvt_" + secrets.token_urlsafe(32)
    Device.objects.create(code="CAM-E2E", kind="gate", subject="G-MAIN", mqtt_username="dev-CAM-E2E",
                          token_hash=token_hash(token))
    return token


def test_a_hazmat_vehicle_without_appointment_rings_a_gate_alarm_on_the_console(daphne_server, browser, gate_token):
    ctx = browser.new_context(locale="en-US")
    page = ctx.new_page()
    try:
        login(page, daphne_server, "gate_duty")
        page.goto(f"{daphne_server}/incidents/")
        page.wait_for_selector("body[data-stream-live='1']")
        page.wait_for_selector("#park-alarm-bar[data-loaded='1']", state="attached")
        assert page.locator("#park-alarm-bar").is_hidden()

        at = timezone.now() - dt.timedelta(seconds=10)
        answer = api(token=gate_token).post("/api/v1/gate-events/", [
            passage("G-MAIN", at=at, plate="粤E66666", vehicle_class="hazmat")], format="json")
        assert answer.status_code == 202 and answer.json()["accepted"] == 1
        banner = page.wait_for_selector("#park-alarm-bar li.alarm.ringing", timeout=20000)
        assert "粤E66666" in banner.inner_text()
        assert page.locator("body").get_attribute("data-park-alarm-ringing") == "1"

        page.reload()
        page.wait_for_selector("#park-alarm-bar li.alarm.ringing")
        page.locator("#park-alarm-bar li.alarm input").fill("Stopped at the gate, no appointment")
        page.locator("#park-alarm-bar li.alarm button[data-park-ack]").click()
        page.wait_for_selector("#park-alarm-bar li.alarm.acknowledged")
        alarm = GateAlarm.objects.get(plate="粤E66666")
        wait_until(lambda: GateAlarm.objects.get(pk=alarm.pk).state == "acknowledged", what="acknowledged")
        assert GateAlarm.objects.get(pk=alarm.pk).note == "Stopped at the gate, no appointment"
        assert page.locator("body").get_attribute("data-park-alarm-ringing") == "0"
    finally:
        ctx.close()
