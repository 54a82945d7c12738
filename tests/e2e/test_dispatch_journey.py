"""The heart of the system in a real browser: call → dispatch → live push → acknowledgement."""

import pytest
from django.contrib.gis.geos import Point

from tests.conftest import login
from tests.factories import IncidentTypeFactory, UnitFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def district(transactional_db, make_user):
    IncidentTypeFactory()
    unit = UnitFactory(code="FE01", name="Engine 01", location=Point(113.601, 22.75, srid=4326), crew="crew1")
    make_user("officer1", "duty_officer", "dispatcher")
    return unit


def test_officer_logs_and_dispatches_responder_acknowledges_live(daphne_server, browser, district):
    responder_ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    console_ctx = browser.new_context(locale="en-US")
    phone = responder_ctx.new_page()
    console = console_ctx.new_page()
    try:
        login(phone, daphne_server, "crew1")
        assert "/incidents/responder/" in phone.url
        phone.wait_for_selector("body[data-stream-live='1']")
        assert phone.locator("#no-current").is_visible()

        login(console, daphne_server, "officer1")
        console.goto(f"{daphne_server}/incidents/new/")
        console.select_option("select[name=type]", "fire")
        console.select_option("select[name=severity]", "II")
        console.fill("input[name=lon]", "113.6")
        console.fill("input[name=lat]", "22.75")
        console.fill("input[name=title]", "Warehouse <b>fire</b>")
        console.fill("input[name=caller_name]", "Zhang")
        console.click("#intake-form button[type=submit]")
        console.wait_for_url("**/incidents/*/")
        assert console.locator("h1").first.inner_text().count("Warehouse <b>fire</b>") == 1

        console.check(f"input[name=resources][value='{district.pk}']")
        console.click("#dispatch-button")
        console.wait_for_selector("#assignments tr[data-status='pending']")
        console.wait_for_selector("body[data-stream-live='1']")

        # The responder's page shows the assignment without a reload.
        card = phone.wait_for_selector("article.assignment[data-status='pending']", timeout=10000)
        assert "Warehouse <b>fire</b>" in card.inner_text()
        phone.click("article.assignment button[value=acknowledge]")
        phone.wait_for_selector("article.assignment[data-status='acknowledged']", timeout=10000)

        # And the console shows the acknowledgement, again without a reload.
        console.wait_for_selector("#assignments tr[data-status='acknowledged']", timeout=10000)
        timeline = console.locator(".timeline").inner_text()
        assert "acknowledged" in timeline.lower()
    finally:
        responder_ctx.close()
        console_ctx.close()


def test_console_is_alerted_live_to_new_incidents_and_escalations(daphne_server, browser, district, make_user):
    from incidents import services

    make_user("chief", "commander")
    officer = district.responders.get().user.__class__.objects.get(username="officer1")
    ctx = browser.new_context(locale="en-US")
    page = ctx.new_page()
    try:
        login(page, daphne_server, "chief")
        page.goto(f"{daphne_server}/incidents/")
        page.wait_for_selector("body[data-stream-live='1']")
        incident = services.incident_log(actor=officer, type_code="fire", severity="I", lon=113.6, lat=22.75,
                                         title="<img src=x onerror=window.__xss=1>")
        page.wait_for_selector("[data-live-alert='warning']")
        page.wait_for_selector(f"tr[data-incident='{incident.pk}']")
        [assignment] = services.assignment_create(actor=officer, incident_id=incident.pk, resource_ids=[district.pk])
        services.assignment_escalate(assignment_id=assignment.pk)  # what the job does when time is up
        alert = page.wait_for_selector("[data-live-alert='error']")
        assert "Engine 01" in alert.inner_text() and incident.number in alert.inner_text()
        assert page.evaluate("window.__xss") is None
    finally:
        ctx.close()
