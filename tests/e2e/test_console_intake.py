"""Issue 13 in Chromium, the call-taker's side: a clock since the call, the cursor in the first
field, an address picked from the district's gazetteer, a point outside the district refused
until confirmed as mutual aid, duplicates in view at 1440×900, and maps that draw the district
from its own GIS data on an intranet (the console map's warnings layer included)."""

import pytest

from tests.conftest import free_port, start_daphne, stop_process
from tests.e2e.test_console_dispatch import guarded_page

pytestmark = pytest.mark.e2e


@pytest.fixture
def offline_demo(transactional_db, make_user):
    from command import demo

    demo.load()
    make_user("intake_e2e", "duty_officer")
    make_user("chief_e2e", "commander")
    port = free_port()
    proc = start_daphne(port, {"MAP_TILE_URL": "http://127.0.0.1:9/{z}/{x}/{y}.png"})
    yield f"http://127.0.0.1:{port}"
    stop_process(proc)


def test_call_taker_picks_an_address_and_is_stopped_outside_the_district(offline_demo, browser):
    from incidents.models import Incident

    context, page, problems = guarded_page(browser, offline_demo, "intake_e2e")
    try:
        page.goto(f"{offline_demo}/incidents/new/")
        assert page.evaluate("document.activeElement.name") == "type"  # cursor in the first field
        page.wait_for_selector("#intake-timer:not(:text('0:00'))")  # the clock since the call runs
        page.wait_for_selector("#intake-map[data-basemap-features]")
        assert int(page.get_attribute("#intake-map", "data-basemap-features")) > 10
        page.wait_for_selector("#intake-map.tiles-offline")
        assert page.locator("#intake-map .tiles-note").is_visible()

        page.select_option("select[name=type]", "fire")
        page.fill("input[name=address]", "新城大路")  # one character wrong
        page.wait_for_selector("#place-suggestions li[data-place]")
        assert page.locator("#place-suggestions li").first.inner_text().startswith("新城大道")
        page.keyboard.press("Enter")
        assert page.locator("#place-suggestions").is_hidden()
        lon, lat = float(page.input_value("input[name=lon]")), float(page.input_value("input[name=lat]"))
        assert 113.46 < lon < 113.72 and 22.62 < lat < 22.88
        assert "新城大道" in page.input_value("input[name=address]")
        assert page.locator("#outside-note").is_hidden()

        # A duplicate nearby shows beside the form, inside the first screen at 1440×900.
        page.fill("input[name=lon]", "113.6")
        page.fill("input[name=lat]", "22.75")
        from django.contrib.auth import get_user_model

        from incidents import services

        services.incident_log(actor=get_user_model().objects.get(username="intake_e2e"), type_code="fire",
                              severity="IV", lon=113.6005, lat=22.7502, title="同一起火")
        page.select_option("select[name=type]", "traffic")
        page.select_option("select[name=type]", "fire")
        page.wait_for_selector("#duplicates .duplicate")
        box = page.locator("#duplicates .duplicates").bounding_box()
        assert box["y"] + 60 < 900

        # Beijing: refused with a message, nothing logged; confirmed as mutual aid, logged.
        page.fill("input[name=lon]", "116.397")
        page.fill("input[name=lat]", "39.909")
        assert page.locator("#outside-note").is_visible()  # said at once, before any submit
        before = Incident.objects.count()
        page.click("#intake-form button[type=submit]")
        page.wait_for_selector(".errorlist")
        assert "outside the district" in page.locator(".errorlist").first.inner_text()
        assert Incident.objects.count() == before
        page.check("input[name=outside_district]")
        page.click("#intake-form button[type=submit]")
        page.wait_for_selector("#outside-district")
        assert Incident.objects.order_by("-id").first().outside_district
        assert page.locator("#call-timer").is_visible()
        assert problems == []
    finally:
        context.close()


def test_console_map_draws_the_district_and_the_warnings_layer(offline_demo, browser):
    from django.contrib.auth import get_user_model

    from hazards.models import Release
    from incidents import services

    chief = get_user_model().objects.get(username="chief_e2e")
    leak = services.incident_log(actor=chief, type_code="hazmat-leak", severity="II", lon=113.6612, lat=22.6528)
    context, page, problems = guarded_page(browser, offline_demo, "chief_e2e")
    try:
        page.goto(f"{offline_demo}/map/")
        page.wait_for_selector("#map[data-basemap-features]")
        assert int(page.get_attribute("#map", "data-basemap-features")) > 10
        page.wait_for_selector("#map.tiles-offline")
        # The public-warnings layer loads for a commander (it answered 406 before).
        page.wait_for_selector("#map[data-loaded_alerts]")

        # A risk source brings its chemical: RS01 is liquid chlorine, not the default ammonia.
        page.select_option("select[name=risk_source]", label="RS01 液氯储罐区")
        assert page.input_value("select[name=chemical]") == "7782-50-5"
        # A source with several chemicals asks which one is released.
        page.select_option("select[name=risk_source]", label="RS07 硫化氢与二氧化硫储存区")
        assert page.input_value("select[name=chemical]") == ""
        assert page.locator("#release-chemical-hint").is_visible()
        page.click("#release-form button[type=submit]")
        assert page.locator("#release-error").is_visible()
        assert not Release.objects.exists()
        page.select_option("select[name=risk_source]", label="RS01 液氯储罐区")
        # The incident is chosen by its number and the release is linked to it.
        page.select_option("select[name=incident]", label=f"{leak.number} {leak.title}")
        page.click("#release-form button[type=submit]")
        page.wait_for_selector("#release-result [data-zone-level]")
        release = Release.objects.get()
        assert release.incident_link.incident_id == leak.pk and release.chemical.cas == "7782-50-5"
        assert problems == []
    finally:
        context.close()
