"""In a real browser: instrument alarms (offline, fault) ring the console banner like the others,
below the process alarms and in their own words (a broken sensor is not a leak, docs/domain.md),
stay after a reload while in force, and leave when they clear."""

import datetime as dt

import pytest
from django.utils import timezone

from monitoring import services, store
from monitoring.models import Alarm
from monitoring.parsing import RawReading
from tests.conftest import login

pytestmark = pytest.mark.e2e


def readings(code, start, values, good=True):
    return [RawReading(code, start + dt.timedelta(seconds=i), v, good) for i, v in enumerate(values)]


def test_offline_and_fault_alarms_ring_the_console_and_survive_a_reload(daphne_server, browser, transactional_db,
                                                                         make_user, make_point):
    make_user("officer_i", "duty_officer")
    # will report bad quality: fault. A long interval, so its own silence after the fault is
    # not `offline` when the check below runs for GASO.
    make_point("GASF", interval_s=60)
    make_point("GASO")  # will fall silent: offline
    make_point("GASP")  # a real high reading: a process alarm, which must stay on top
    ctx = browser.new_context(locale="en-US")
    page = ctx.new_page()
    try:
        login(page, daphne_server, "officer_i")
        page.goto(f"{daphne_server}/incidents/")
        page.wait_for_selector("body[data-stream-live='1']")
        page.wait_for_selector("#alarm-bar[data-loaded='1']", state="attached")
        assert page.locator("#alarm-bar").is_hidden()

        now = timezone.now()
        # A detector whose transmitter reports bad quality (live, over the stream).
        # (for longer than the 3 s on-delay, as a fault must be)
        store.readings_store(readings=readings("GASF", now - dt.timedelta(seconds=150), [3] * 5, good=False))
        fault = page.wait_for_selector("#alarm-bar li.alarm[data-level='fault']", timeout=20000)
        assert "alarm-instrument" in fault.get_attribute("class") and "ringing" in fault.get_attribute("class")
        assert "Fault" in fault.inner_text() and "not a leak" in fault.inner_text()
        assert page.locator("body").get_attribute("data-alarm-ringing") == "1"
        # A broken sensor is not a leak: no one-click incident from it, but it can be acknowledged.
        assert page.locator("#alarm-bar li.alarm[data-level='fault'] button[data-action=incident]").count() == 0
        assert page.locator("#alarm-bar li.alarm[data-level='fault'] button[data-action=acknowledge]").count() == 1

        # A detector that fell silent (3 × its interval): offline.
        store.readings_store(readings=readings("GASO", now - dt.timedelta(minutes=5), [1, 1]))
        assert services.points_check_offline() >= 1
        offline = page.wait_for_selector("#alarm-bar li.alarm[data-level='offline']", timeout=20000)
        assert "Offline" in offline.inner_text() and "ringing" in offline.get_attribute("class")

        # A process alarm goes above the instrument alarms.
        store.readings_store(readings=readings("GASP", now - dt.timedelta(seconds=20), [30] * 8))
        page.wait_for_selector("#alarm-bar li.alarm[data-level='h']", timeout=20000)
        levels = page.eval_on_selector_all("#alarm-bar li.alarm", "els => els.map(e => e.dataset.level)")
        assert levels[0] == "h" and set(levels[1:]) == {"fault", "offline"}

        # Still there after a reload, in the same order, still ringing.
        page.reload()
        page.wait_for_selector("#alarm-bar li.alarm[data-level='offline'].ringing")
        page.wait_for_selector("#alarm-bar li.alarm[data-level='fault'].ringing")
        levels = page.eval_on_selector_all("#alarm-bar li.alarm", "els => els.map(e => e.dataset.level)")
        assert levels[0] == "h" and set(levels[1:]) == {"fault", "offline"}

        # Acknowledged, the offline banner stays (it is still in force) but no longer rings.
        page.wait_for_selector("body[data-stream-live='1']")
        page.fill("#alarm-bar li.alarm[data-level='offline'] input[name=note]", "Maintenance called")
        page.click("#alarm-bar li.alarm[data-level='offline'] button[data-action=acknowledge]")
        page.wait_for_selector("#alarm-bar li.alarm[data-level='offline'].acknowledged")
        assert Alarm.objects.get(point__code="GASO").acknowledge_note == "Maintenance called"

        # Good readings again, for the on-delay and the window (2 intervals + 5 s skew: 125 s):
        # the fault clears and its banner leaves every console.
        store.readings_store(readings=readings("GASF", now - dt.timedelta(seconds=140), [3] * 126))
        page.wait_for_selector("#alarm-bar li.alarm[data-level='fault']", state="detached", timeout=20000)
        assert Alarm.objects.get(point__code="GASF").state == "cleared"
    finally:
        ctx.close()
