"""Issue 13 in Chromium, the dispatcher's side: a run card filled need by need with what is
missing, any available unit added by search, the incident's own map drawn from the district's
GIS data with the tile server unreachable, keys, sound and the print layout."""

import pytest

from tests.conftest import free_port, login, start_daphne, stop_process

pytestmark = pytest.mark.e2e


@pytest.fixture
def offline_demo(transactional_db, make_user):
    """The demo district on a Daphne whose tile server is a closed local port (an intranet)."""
    from command import demo

    demo.load()
    make_user("dispatch_e2e", "dispatcher", "duty_officer")
    port = free_port()
    proc = start_daphne(port, {"MAP_TILE_URL": "http://127.0.0.1:9/{z}/{x}/{y}.png"})
    yield f"http://127.0.0.1:{port}"
    stop_process(proc)


def guarded_page(browser, base, username):
    context = browser.new_context(locale="en-US", viewport={"width": 1440, "height": 900})
    page = context.new_page()
    problems = []

    def guard(route):
        if route.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1")):
            route.continue_()
        else:
            problems.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 and ":9/" not in r.url
            and "/layers/work-permits/" not in r.url and "/layers/monitoring-points/" not in r.url else None)
    login(page, base, username)
    return context, page, problems


def test_run_card_any_unit_and_the_incident_map(offline_demo, browser):
    from django.contrib.auth import get_user_model

    from incidents import services
    from resources.models import Resource

    officer = get_user_model().objects.get(username="dispatch_e2e")
    # A chlorine leak in the chemical park, severity Ⅲ: the demo run card asks for 2 fire
    # suppression, 1 hazmat, 1 EMS and 1 traffic control.
    leak = services.incident_log(actor=officer, type_code="hazmat-leak", severity="III", lon=113.6615, lat=22.6525,
                                 title="液氯储罐泄漏", caller_phone="13800000001")
    context, page, problems = guarded_page(browser, offline_demo, "dispatch_e2e")
    try:
        page.goto(f"{offline_demo}/incidents/{leak.pk}/")
        page.wait_for_selector("body[data-stream-live='1']")
        needs = page.locator("#recommendations tbody.need")
        assert [needs.nth(i).get_attribute("data-need") for i in range(needs.count())] == [
            "fire_suppression", "hazmat", "ems", "traffic_control"]
        fire = page.locator("tbody.need[data-need='fire_suppression']")
        assert fire.locator("tr[data-resource]").count() == 2 and "2 missing" in fire.inner_text()
        assert "Fire suppression" in fire.inner_text()  # a name, not the code

        # The incident's own map: the district drawn from its GIS data, the incident, the units.
        page.wait_for_selector("#incident-map[data-basemap-features]")
        assert int(page.get_attribute("#incident-map", "data-basemap-features")) > 10
        page.wait_for_selector("#incident-map.tiles-offline")
        assert page.locator("#incident-map .tiles-note").is_visible()
        assert page.get_attribute("#incident-map", "data-incident-marker") == "1"
        assert page.get_attribute("#incident-map", "data-unit-markers") == "5"
        page.wait_for_selector("#incident-map[data-layer-risk-sources]")
        assert int(page.get_attribute("#incident-map", "data-layer-risk-sources")) > 0

        # Tick the whole mix, then add a rescue boat that no run card asked for, found by call sign.
        page.click("#select-mix")
        page.fill("#unit-search-input", "BT01")
        page.wait_for_selector("#unit-search-results tr[data-resource]")
        boat = Resource.objects.get(code="BT01")
        assert page.locator("#unit-search-results tr[data-resource]").count() == 1
        page.check(f"#unit-search-results input[value='{boat.pk}']")
        # Dispatch from the keyboard. The answer redirects to this same URL, so wait for the new
        # document itself (a URL check would pass at once, and a check made while the old page is
        # being torn down would read it half-styled).
        with page.expect_navigation(url=f"**/incidents/{leak.pk}/", wait_until="load"):
            page.keyboard.press("Alt+D")
        page.wait_for_selector("#assignments tr[data-status='pending']")
        assert page.locator("#assignments tr[data-status='pending']").count() == 6
        traffic = page.locator("tbody.need[data-need='traffic_control']")
        assert "1 assigned" in traffic.inner_text() and "filled" in traffic.inner_text()

        # The print layout leaves the forms out.
        page.emulate_media(media="print")
        assert not page.locator("#dispatch-form").is_visible()
        assert page.locator("h1").first.is_visible()
        page.emulate_media(media="screen")
        assert problems == []
    finally:
        context.close()


def test_keys_and_sound_on_the_console(offline_demo, browser):
    from django.contrib.auth import get_user_model

    from incidents import services

    officer = get_user_model().objects.get(username="dispatch_e2e")
    context, page, problems = guarded_page(browser, offline_demo, "dispatch_e2e")
    try:
        page.goto(f"{offline_demo}/incidents/")
        page.wait_for_selector("body[data-stream-live='1']")
        assert page.get_attribute("body", "data-sound") == "off"
        page.click("#sound-toggle")  # browsers play sound only after a gesture: this is it
        assert page.get_attribute("body", "data-sound") == "on"
        page.wait_for_selector("body[data-sounds-played='1']")  # the test ring
        services.incident_log(actor=officer, type_code="fire", severity="IV", lon=113.6, lat=22.75, title="新来的")
        page.wait_for_selector("[data-live-alert='warning']")
        page.wait_for_selector("body[data-sounds-played='2']")
        page.keyboard.press("Alt+A")  # acknowledge the banners
        assert page.locator("[data-live-alert]").count() == 0
        page.keyboard.press("Alt+N")
        page.wait_for_url("**/incidents/new/")
        # The cursor is in the first field, ready for the call.
        assert page.evaluate("document.activeElement.name") == "type"
        assert page.get_attribute("body", "data-sound") == "on"  # the choice is kept
        assert problems == []
    finally:
        context.close()
