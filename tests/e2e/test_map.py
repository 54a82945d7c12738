"""The console map in Chromium: layers, legend, popups, a release drawn here and on another console,
all with the tile server unreachable (no internet)."""

import pytest

from tests.conftest import free_port, login, start_daphne

pytestmark = pytest.mark.e2e


@pytest.fixture
def offline_server(transactional_db):
    """Daphne whose tile URL points at a closed local port: the map must still work."""
    port = free_port()
    proc = start_daphne(port, {"MAP_TILE_URL": "http://127.0.0.1:9/{z}/{x}/{y}.png"})
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    try:
        proc.wait(10)
    except Exception:  # noqa: BLE001
        proc.kill()


def layer_count(page, name):
    return page.evaluate("(n) => window.commandMapLayers[n] ? window.commandMapLayers[n].getLayers().length : -1", name)


def on_map(page, name):
    return page.evaluate("(n) => !!window.commandMapLayers[n] && window.commandMap.hasLayer(window.commandMapLayers[n])",
                         name)


def wait_for_count(page, name, expected, timeout=15.0):
    """Poll from Python: the page's CSP forbids the eval that page.wait_for_function needs."""
    import time

    deadline = time.monotonic() + timeout
    while layer_count(page, name) != expected:
        assert time.monotonic() < deadline, f"{name}: {layer_count(page, name)} features, expected {expected}"
        time.sleep(0.2)


def open_map(browser, base, username):
    context = browser.new_context()
    page = context.new_page()
    outside = []  # requests that left this machine, and script errors: both must stay empty

    def guard(route):
        if route.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1")):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    page.on("pageerror", lambda error: outside.append(f"script error: {error}"))
    login(page, base, username)
    page.goto(f"{base}/map/")
    page.wait_for_selector("#map[data-loaded_risk_sources]")
    page.wait_for_selector("body[data-stream-live='1']")
    return context, page, outside


def test_map_layers_and_a_release_seen_on_two_consoles(offline_server, browser, commander, viewer):
    from command import demo

    demo.load()
    context, page, outside = open_map(browser, offline_server, "commander_t")
    viewer_context, viewer_page, viewer_outside = open_map(browser, offline_server, "viewer_t")

    # No internet: the tiles fail, the map says so and keeps a plain background; nothing from a CDN.
    page.wait_for_selector("#map.tiles-offline")
    assert page.locator(".tiles-note").is_visible()
    assert outside == []

    # Layers on at first, with their legend; the demo park's nine risk sources are drawn.
    assert page.get_attribute("#map", "data-loaded_risk_sources") == "9"
    assert on_map(page, "risk-sources") and on_map(page, "incidents")
    assert page.locator("[data-layer-item='risk-sources'] .legend li").count() == 5

    # Toggle: sensitive targets on, risk sources off.
    page.check("[data-layer='targets']")
    page.wait_for_selector("#map[data-loaded_targets]")
    assert layer_count(page, "targets") == 13 and on_map(page, "targets")
    page.uncheck("[data-layer='risk-sources']")
    assert not on_map(page, "risk-sources")
    page.check("[data-layer='shelters']")
    page.wait_for_selector("#map[data-loaded_shelters]")
    assert on_map(page, "shelters")

    # A popup shows a target's name as text.
    page.evaluate("() => { window.commandMapLayers['targets'].getLayers()[0].openPopup(); }")
    assert page.locator(".leaflet-popup-content .map-popup strong").inner_text().strip() != ""

    # Bad input first: a zero rate is refused with a message, and nothing is drawn.
    page.select_option("select[name=risk_source]", label="RS01 液氯储罐区")
    page.fill("input[name=rate_kg_s]", "0")
    page.click("#release-form button[type=submit]")
    page.wait_for_selector("#release-error:not([hidden])")
    assert page.locator("#release-error").inner_text().strip() != ""

    # Then a real release from the chlorine tank farm, wind from the south-east.
    page.fill("input[name=rate_kg_s]", "5")
    page.fill("input[name=wind_from_deg]", "135")
    page.click("#release-form button[type=submit]")
    page.wait_for_selector(".release-result [data-zone-level='AEGL-1']")
    levels = page.locator(".release-result [data-zone-level]").evaluate_all("els => els.map(e => e.dataset.zoneLevel)")
    assert levels == ["AEGL-3", "AEGL-2", "AEGL-1"]
    assert "Haicheng" in page.locator(".release-result").inner_text() or "海澄" in page.locator(".release-result").inner_text()
    wait_for_count(page, "threat-zones", 3)
    assert on_map(page, "threat-zones")

    # The other console draws the same zones from the live stream, without a reload.
    wait_for_count(viewer_page, "threat-zones", 3)
    # A new incident logged elsewhere appears on the viewer's map from the stream as well.
    before = layer_count(viewer_page, "incidents")
    status = page.evaluate("""async () => {
        const resp = await fetch("/api/v1/incidents/", {method: "POST", credentials: "same-origin",
            headers: {"Content-Type": "application/json",
                      "X-CSRFToken": document.querySelector("[name=csrfmiddlewaretoken]").value},
            body: JSON.stringify({type: "hazmat-leak", severity: "II", title: "氯气泄漏",
                                  location: {type: "Point", coordinates: [113.6612, 22.6528]}})});
        return resp.status;
    }""")
    assert status == 201
    wait_for_count(viewer_page, "incidents", before + 1)

    # A viewer reads the map but has no release form.
    assert viewer_page.locator("#release-form").count() == 0
    assert outside == [] and viewer_outside == []
    context.close()
    viewer_context.close()
