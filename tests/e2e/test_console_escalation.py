"""Issue 13 in Chromium: an escalated, unacknowledged assignment stays on every console (after a
reload, on a console opened later) until someone acts; the responder's phone says it was
escalated, calls the caller with one tap, opens a map app, and keeps its header on one line."""

import time

import pytest
from django.contrib.gis.geos import Point

from incidents import services
from tests.conftest import login
from tests.factories import IncidentTypeFactory, UnitFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def escalated(transactional_db, make_user):
    IncidentTypeFactory()
    unit = UnitFactory(code="FE01", name="消防车01", location=Point(113.601, 22.75, srid=4326), crew="crew1")
    officer = make_user("officer1", "duty_officer", "dispatcher")
    incident = services.incident_log(actor=officer, type_code="fire", severity="II", lon=113.6, lat=22.75,
                                     title="仓库起火", address="新城大道 88 号", caller_name="张三",
                                     caller_phone="13800001234")
    [assignment] = services.assignment_create(actor=officer, incident_id=incident.pk, resource_ids=[unit.pk])
    services.assignment_escalate(assignment_id=assignment.pk)  # what the job does when time is up
    return assignment


def test_escalation_stays_on_consoles_until_acted_on_and_the_phone_says_so(daphne_server, browser, escalated):
    console_ctx = browser.new_context(locale="en-US")
    phone_ctx = browser.new_context(locale="en-US", viewport={"width": 390, "height": 844})
    console, phone = console_ctx.new_page(), phone_ctx.new_page()
    try:
        # A console opened after the escalation shows it, and again after a reload.
        login(console, daphne_server, "officer1")
        console.goto(f"{daphne_server}/incidents/board/")
        banner = f"#live-alerts [data-escalated-assignment='{escalated.pk}']"
        console.wait_for_selector(banner)
        assert "消防车01" in console.locator(banner).inner_text()
        # The board shows each unit with its crew and where it is, on a map as well.
        console.wait_for_selector("#board-map[data-units='1']")
        row = console.locator("#unit-board tr[data-resource]")
        assert "crew1" in row.locator(".responders").inner_text() or row.locator("[data-responder='crew1']").count()
        row.locator("[data-show-unit='FE01']").click()
        console.wait_for_selector("#board-map .leaflet-popup")
        console.reload()
        console.wait_for_selector(banner)
        console.wait_for_selector("body[data-stream-live='1']")

        # Another round while the console is open: still one banner for this assignment.
        seq_before = console.evaluate("document.body.dataset.streamSeq")
        services.assignment_escalate(assignment_id=escalated.pk)

        deadline = time.monotonic() + 15
        while console.evaluate("document.body.dataset.streamSeq") == seq_before:
            assert time.monotonic() < deadline, "the second round never reached the console"
            time.sleep(0.2)
        assert console.locator(banner).count() == 1

        # The phone: escalated, one tap to call the caller, a map app to navigate.
        login(phone, daphne_server, "crew1")
        card = phone.locator(f"article.assignment[data-assignment='{escalated.pk}']")
        assert card.locator(".escalated").is_visible()
        assert card.locator("a[data-caller-phone]").get_attribute("href") == "tel:13800001234"
        amap = card.locator("a[data-nav='amap']").get_attribute("href")
        assert amap.startswith("https://uri.amap.com/marker?position=113.600000,22.750000")
        assert card.locator("a[data-nav='baidu']").get_attribute("href").startswith(
            "https://api.map.baidu.com/marker?location=22.750000,113.600000")
        assert card.locator("a[data-nav='geo']").get_attribute("href").startswith("geo:22.750000,113.600000")
        header = phone.locator("header.topbar").bounding_box()
        assert header["height"] < 60  # one line, not wrapped
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        assert "Past assignments" in phone.locator("#responder-assignments").inner_text()

        # Someone acts: the banner goes, live, from the console that still shows it.
        phone.click("article.assignment button[value=acknowledge]")
        phone.wait_for_selector("article.assignment[data-status='acknowledged']")
        console.wait_for_selector(banner, state="detached")
        console.reload()
        assert console.locator(banner).count() == 0
    finally:
        console_ctx.close()
        phone_ctx.close()
