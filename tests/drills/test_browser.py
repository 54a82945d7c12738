"""In a real browser: the responder's phone (push banner included) and the console say 演练 / EXERCISE."""

import pytest
from django.contrib.gis.geos import Point

from incidents import services
from tests.conftest import login
from tests.factories import IncidentTypeFactory, UnitFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def crew_and_officer(transactional_db, make_user):
    IncidentTypeFactory(code="hazmat-leak", name_zh="危化品泄漏", name_en="Hazmat leak", required_capabilities=["hazmat"])
    unit = UnitFactory(code="HZ01", name="Hazmat 01", hazmat=True, location=Point(113.601, 22.75, srid=4326), crew="crewx")
    officer = make_user("officerx", "duty_officer", "dispatcher")
    return unit, officer


def test_phone_and_console_show_exercise(daphne_server, browser, crew_and_officer):
    unit, officer = crew_and_officer
    phone_ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    console_ctx = browser.new_context(locale="en-US")
    phone, console = phone_ctx.new_page(), console_ctx.new_page()
    try:
        login(phone, daphne_server, "crewx")
        phone.wait_for_selector("body[data-stream-live='1']")
        login(console, daphne_server, "officerx")
        console.goto(f"{daphne_server}/incidents/")
        console.wait_for_selector("body[data-stream-live='1']")

        incident = services.incident_log(actor=officer, type_code="hazmat-leak", severity="III", lon=113.6, lat=22.75,
                                         title="储罐泄漏推演", exercise=True)
        # The console's live banner says it is an exercise before anything else.
        alert = console.wait_for_selector("#live-alerts li.exercise-banner", timeout=15000)
        assert "演练 / EXERCISE" in alert.inner_text() and incident.number in alert.inner_text()
        row = console.wait_for_selector(f"tr[data-incident='{incident.pk}'] [data-exercise]", timeout=15000)
        assert "演练 / EXERCISE" in row.inner_text()

        services.assignment_create(actor=officer, incident_id=incident.pk, resource_ids=[unit.pk])
        # The phone: the push banner that comes with the sound, and the assignment card.
        push = phone.wait_for_selector("#push-banner [data-push-banner='exercise']", timeout=15000)
        assert "演练 / EXERCISE" in push.inner_text() and incident.number in push.inner_text()
        card = phone.wait_for_selector("article.assignment.exercise", timeout=15000)
        assert "演练 / EXERCISE" in card.inner_text()

        console.goto(f"{daphne_server}/incidents/{incident.pk}/")
        assert "演练 / EXERCISE" in console.locator(".exercise-banner").first.inner_text()
        # The dispatcher releases the exercise's units at once; the phone hears it.
        console.click("#release-exercise-units")
        console.wait_for_selector(".messages .success")
        phone.wait_for_selector("#no-current", timeout=15000)
        unit.refresh_from_db()
        assert unit.status == "available"
        console.goto(f"{daphne_server}/incidents/board/")
        assert console.locator("body").inner_text().count("演练") == 0  # nothing on it any more
    finally:
        phone_ctx.close()
        console_ctx.close()
