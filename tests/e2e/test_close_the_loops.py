"""Issue 22 in Chromium, the command side: ticked units survive 查找 (point 1), a decline
reaches the console and clears the phone's banners (point 5), and a drill's plume looks like
an exercise on the map, above any warning area (point 3)."""

import datetime as dt

import pytest

from tests.conftest import login
from tests.e2e.test_console_dispatch import guarded_page, offline_demo  # noqa: F401 (fixture)
from tests.e2e.test_map import layer_count, offline_server, open_map, wait_for_count  # noqa: F401 (fixture)

pytestmark = pytest.mark.e2e
LABEL = "演练 / EXERCISE"


def test_find_keeps_the_ticked_units_and_puts_nothing_in_the_url(offline_demo, browser):  # noqa: F811
    from django.contrib.auth import get_user_model

    from incidents import services
    from incidents.models import Assignment
    from resources.models import Resource

    officer = get_user_model().objects.get(username="dispatch_e2e")
    leak = services.incident_log(actor=officer, type_code="hazmat-leak", severity="III", lon=113.6615, lat=22.6525,
                                 title="液氯储罐泄漏", caller_phone="13800000001")
    context, page, problems = guarded_page(browser, offline_demo, "dispatch_e2e")
    try:
        page.goto(f"{offline_demo}/incidents/{leak.pk}/")
        page.wait_for_selector("body[data-stream-live='1']")
        page.click("#select-mix")  # 勾选全部推荐救援力量: the run card's five
        assert page.locator("#recommendations input[data-recommended]:checked").count() == 5
        page.fill("#unit-search-input", "BT01")
        page.click("#unit-search-button")  # 查找, with the mouse
        boat = Resource.objects.get(code="BT01")
        page.wait_for_selector(f"#unit-search-results input[value='{boat.pk}']")
        page.check(f"#unit-search-results input[value='{boat.pk}']")
        # Nothing reloaded: the five are still ticked and the address carries no token or ids.
        assert page.locator("#recommendations input[data-recommended]:checked").count() == 5
        assert "csrfmiddlewaretoken" not in page.url and "resources=" not in page.url
        page.click("#dispatch-button")
        page.wait_for_url(f"**/incidents/{leak.pk}/")
        page.wait_for_selector("#assignments tr[data-status='pending']")
        assert Assignment.objects.filter(incident=leak).count() == 6
        assert page.locator("#assignments tr[data-status='pending']").count() == 6
        assert problems == []
    finally:
        context.close()


def test_a_decline_reaches_the_console_and_clears_the_phone(offline_demo, browser, make_user):  # noqa: F811
    from django.contrib.auth import get_user_model

    from incidents import services
    from incidents.models import Incident
    from resources.models import Resource

    officer = get_user_model().objects.get(username="dispatch_e2e")
    unit = Resource.objects.filter(responders__isnull=False, status="available",
                                   kind__in=Resource.DISPATCHABLE_KINDS).order_by("code").first()
    crew = unit.responders.first().user
    crew.set_password("test-pass-123")
    crew.save()
    incident = services.incident_log(actor=officer, type_code="fire", severity="IV", lon=113.6, lat=22.75,
                                     title="仓库起火")
    console_ctx, console, problems = guarded_page(browser, offline_demo, "dispatch_e2e")
    phone_ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    phone = phone_ctx.new_page()
    try:
        console.goto(f"{offline_demo}/incidents/{incident.pk}/")
        console.wait_for_selector("body[data-stream-live='1']")
        login(phone, offline_demo, crew.username)
        phone.goto(f"{offline_demo}/incidents/responder/")
        phone.wait_for_selector("body[data-stream-live='1']")

        [assignment] = services.assignment_create(actor=officer, incident_id=incident.pk, resource_ids=[unit.pk])
        phone.wait_for_selector(f"#push-banner [data-assignment='{assignment.pk}']")
        phone.wait_for_selector(f"article[data-assignment='{assignment.pk}'] form.decline")
        form = phone.locator(f"article[data-assignment='{assignment.pk}'] form.decline")
        form.locator("select[name=reason_code]").select_option("vehicle_fault")
        form.locator("input[name=reason]").fill("车辆故障，水泵不上水")
        form.locator("button[type=submit]").click()

        # The phone: the stale banner goes, and the unit says it is out of service.
        phone.wait_for_selector(f"#push-banner [data-assignment='{assignment.pk}']", state="detached")
        phone.wait_for_selector("#unit-out-of-service")
        # The console: a banner naming the unit and the reason; the incident needs units again.
        console.wait_for_selector(f"#live-alerts [data-declined-assignment='{assignment.pk}']")
        assert "水泵不上水" in console.locator(f"#live-alerts [data-declined-assignment='{assignment.pk}']").inner_text()
        unit.refresh_from_db()
        assert unit.status == "out_of_service"
        assert Incident.objects.get(pk=incident.pk).status == "reported"

        # The crew puts it back once repaired.
        phone.click("#unit-return")
        phone.wait_for_selector("#unit-out-of-service", state="detached")
        unit.refresh_from_db()
        assert unit.status == "available"
        assert problems == []
    finally:
        console_ctx.close()
        phone_ctx.close()


def _wait_for_warning(page, headline, timeout=15.0):
    import time  # polled from Python: the page's CSP forbids page.wait_for_function's eval

    deadline = time.monotonic() + timeout
    while not page.evaluate("""(h) => !!window.commandMapLayers.alerts && window.commandMapLayers.alerts.getLayers()
            .some((l) => l.feature.properties.headline === h)""", headline):
        assert time.monotonic() < deadline, f"no warning {headline} on the map"
        time.sleep(0.2)


def test_a_drill_plume_is_marked_and_lies_above_a_warning_area(offline_server, browser, commander):  # noqa: F811
    from django.utils import timezone

    from alerts import services as alert_services
    from command import demo
    from incidents import services

    demo.load()
    drill = services.incident_log(actor=commander, type_code="hazmat-leak", severity="III", lon=113.6612, lat=22.6528,
                                  title="演练：液氯储罐泄漏", exercise=True)
    services.incident_release_model(user=commander, incident=drill.pk, chemical="7782-50-5", rate_kg_s=5,
                                    wind_speed_ms=3, wind_from_deg=45, stability="D")
    services.incident_release_model(user=commander, chemical="7782-50-5", rate_kg_s=5, wind_speed_ms=3,
                                    wind_from_deg=225, stability="D", risk_source=None,
                                    location=services.parse_location(113.62, 22.70))
    warning = alert_services.alert_create(
        actor=commander, level="yellow", category="Met", event="大风", headline="大风黄色预警", description="d",
        instructions="i", area="22.55,113.55 22.55,113.75 22.78,113.75 22.78,113.55 22.55,113.55",
        area_description="全区", expires=timezone.now() + dt.timedelta(hours=12))
    alert_services.alert_issue(actor=commander, alert_id=warning.pk)

    context, page, outside = open_map(browser, offline_server, "commander_t")
    try:
        page.check("[data-layer='threat-zones']")
        page.check("[data-layer='alerts']")
        wait_for_count(page, "threat-zones", 6)
        _wait_for_warning(page, "大风黄色预警")
        looks = page.evaluate("""() => window.commandMapLayers['threat-zones'].getLayers().map((l) => ({
            exercise: l.feature.properties.exercise, colour: l.options.color, dash: l.options.dashArray || null,
            label: l.getTooltip() ? String(l.getTooltip().getContent()) : null }))""")
        drills = [z for z in looks if z["exercise"]]
        real = [z for z in looks if not z["exercise"]]
        assert len(drills) == 3 and len(real) == 3
        assert all(z["colour"] == "#b3007d" and z["dash"] and LABEL in z["label"] for z in drills)
        assert all(z["colour"] != "#b3007d" and not z["dash"] and z["label"] is None for z in real)
        # The labels are on the map itself, not only in a popup.
        assert page.locator(".leaflet-tooltip.exercise-label").count() == 3

        # A release modelled now refreshes the zones alone, after the warning was drawn: they must
        # still lie above it (a refreshed layer used to go to the very back, under the warning drawn
        # over the whole district). The map is not moved: a move reloads every layer.
        before = layer_count(page, "threat-zones")
        services.incident_release_model(user=commander, chemical="7782-50-5", rate_kg_s=5, wind_speed_ms=3,
                                        wind_from_deg=225, stability="D",
                                        location=services.parse_location(113.6612, 22.6528))
        wait_for_count(page, "threat-zones", before + 3)
        assert page.locator(".leaflet-tooltip.exercise-label").count() == 3  # labels do not pile up

        # Clicking inside the drill's zone opens the zone, not the warning.
        spot = page.evaluate("""() => {
            const map = window.commandMap;
            const zone = window.commandMapLayers['threat-zones'].getLayers()
                .filter((l) => l.feature.properties.exercise)
                .sort((a, b) => a.feature.properties.distance_m - b.feature.properties.distance_m)[0];
            const ring = zone.getLatLngs()[0];
            const far = ring.reduce((best, p) => (map.distance(p, ring[0]) > map.distance(best, ring[0]) ? p : best), ring[0]);
            const mid = L.latLng((ring[0].lat + far.lat) / 2, (ring[0].lng + far.lng) / 2);
            const pt = map.latLngToContainerPoint(mid);
            const box = map.getContainer().getBoundingClientRect();
            return { x: box.left + pt.x, y: box.top + pt.y };
        }""")
        page.mouse.click(spot["x"], spot["y"])
        page.wait_for_selector(".leaflet-popup-content")
        text = page.locator(".leaflet-popup-content").last.inner_text()
        assert LABEL in text and "大风黄色预警" not in text
        assert outside == []
    finally:
        context.close()
