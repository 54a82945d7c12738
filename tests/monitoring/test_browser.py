"""In a real browser: a leak seen by a gas detector reaches the console over MQTT, rings, is
acknowledged with a note, and becomes an incident in one click; the release model opens with
the source's chemical."""

import datetime as dt

import pytest

from monitoring.models import Alarm, MonitoringPoint
from tests.conftest import login
from tests.monitoring.conftest import Publisher, wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture
def park(transactional_db, demo, make_user):
    make_user("officer_m", "duty_officer")
    return MonitoringPoint.objects.get(code="RS04-AT1")  # an ammonia detector at the ammonia tank farm


def test_alarm_rings_on_the_console_then_acknowledge_and_incident(daphne_server, browser, park, broker, prefix,
                                                                   start_ingester):
    start_ingester()
    ctx = browser.new_context(locale="en-US")
    page = ctx.new_page()
    publisher = Publisher(broker.port, username=broker.HARNESS_USER, password=broker.harness_password)
    try:
        login(page, daphne_server, "officer_m")
        page.goto(f"{daphne_server}/incidents/")
        page.wait_for_selector("body[data-stream-live='1']")
        page.wait_for_selector("#alarm-bar[data-loaded='1']", state="attached")
        assert page.locator("#alarm-bar").is_hidden()

        start = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=30)
        value = (park.limit_h + park.limit_hh) / 2  # between H and HH
        for second in range(12):  # for longer than the 5 s on-delay
            publisher.publish(f"{prefix}/points/RS04-AT1",
                              {"ts": (start + dt.timedelta(seconds=second)).isoformat(), "value": value})
        banner = page.wait_for_selector("#alarm-bar li.alarm.ringing", timeout=20000)
        assert "RS04" in banner.inner_text() and banner.get_attribute("data-level") == "h"
        assert page.locator("body").get_attribute("data-alarm-ringing") == "1"

        # Still there after a reload, while it is in force.
        page.reload()
        page.wait_for_selector("#alarm-bar li.alarm.ringing")

        page.fill("#alarm-bar li.alarm input[name=note]", "Checked by phone with the tank farm")
        page.click("#alarm-bar li.alarm button[data-action=acknowledge]")
        page.wait_for_selector("#alarm-bar li.alarm.acknowledged")
        alarm = Alarm.objects.get(point=park)
        wait_until(lambda: Alarm.objects.get(pk=alarm.pk).state == "acknowledged", what="acknowledged")
        assert Alarm.objects.get(pk=alarm.pk).acknowledge_note == "Checked by phone with the tank farm"
        assert page.locator("body").get_attribute("data-alarm-ringing") == "0"

        page.click("#alarm-bar li.alarm button[data-action=incident]")
        # Locators, not element handles: the bar re-renders on every stream frame, so a handle
        # taken before a frame lands is detached by the time it is clicked.
        page.wait_for_selector("#alarm-bar a[data-incident-link]")
        alarm.refresh_from_db()
        assert alarm.incident_id
        assert page.locator("#alarm-bar a[data-incident-link]").get_attribute("href") == f"/incidents/{alarm.incident_id}/"
        page.locator("#alarm-bar a[data-release-link]").click()
        page.wait_for_url("**/map/**")
        assert page.locator("#release-form select[name=chemical]").input_value() == "7664-41-7"
        assert page.locator("#release-form [name=incident]").input_value() == str(alarm.incident_id)
    finally:
        publisher.close()
        ctx.close()
