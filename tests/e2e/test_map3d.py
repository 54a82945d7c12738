"""The park in three dimensions (issue 27) in a real Chromium with WebGL (SwiftShader, software
rendering): the scene is drawn from the API (structures at their heights, alarm states, permits,
threat zones and plume, incidents), moves with the stream, loads the district's 3D Tiles model when
one is configured, sends no request off the machine, and hands over to the 2D map without WebGL.
A screenshot of the scene is kept in var/test-artifacts/."""

import datetime as dt
import json
import math
import struct
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from tests.conftest import CHROMIUM_ARGS, free_port, login, start_daphne, stop_process

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"
# WebGL without a GPU: ANGLE on SwiftShader. --disable-gpu (the other browser tests') would turn it off.
WEBGL_ARGS = [a for a in CHROMIUM_ARGS if a != "--disable-gpu"] + [
    "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist"]


@pytest.fixture(scope="module")
def webgl_browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=WEBGL_ARGS)
        yield chromium
        chromium.close()


def park_scene():
    """The demo park with a fresh weather mast, an HH alarm, a release and its zones."""
    from django.contrib.auth import get_user_model

    from command import demo
    from incidents.services import incident_release_model
    from monitoring.models import MonitoringPoint
    from monitoring.parsing import RawReading
    from monitoring.store import readings_store

    demo.load()
    now = timezone.now()
    readings_store(readings=[RawReading(point=c, ts=now, value=v, good=True) for c, v in
                             (("WX01-WS", 4.0), ("WX01-WD", 120), ("WX01-TA", 20), ("WX01-SR", 600), ("WX01-CL", 3))])
    alarm(MonitoringPoint.objects.get(code="RS01-AT1"))
    duty = get_user_model().objects.get(username="duty1")
    incident_release_model(user=duty, chemical="7782-50-5", risk_source=_rs("RS01"), rate_kg_s=3, duration_s=600)


def alarm(point, start=None):
    """Readings above HH for longer than the point's on-delay: an HH alarm, as the ingester makes it."""
    from monitoring.parsing import RawReading
    from monitoring.store import readings_store

    start = start or timezone.now() - dt.timedelta(seconds=point.delay_s + 4)
    readings_store(readings=[RawReading(point=point.code, ts=start + dt.timedelta(seconds=s), value=point.limit_hh * 2,
                                        good=True) for s in range(0, point.delay_s + 4, 2)])
    point.refresh_from_db()
    assert point.state == "hh"


def _rs(code):
    from hazards.models import RiskSource

    return RiskSource.objects.get(code=code).pk


def open_3d(browser, base, username="duty1"):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    problems = []  # requests that left this machine, and script errors: both must stay empty

    def guard(route):
        if route.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1")):
            route.continue_()
        else:
            problems.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    login(page, base, username, settings.DEMO_PASSWORD)
    page.goto(f"{base}/map/3d/")
    wait_for(page, "document.getElementById('map3d').dataset.ready === '1'", "the 3D view never settled")
    return context, page, problems


def wait_for(page, expression, message, timeout=60.0):
    """Poll from Python: the page's CSP forbids the eval that page.wait_for_function needs."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(f"() => {{ try {{ return !!({expression}); }} catch (e) {{ return false; }} }}"):
        assert time.monotonic() < deadline, message
        time.sleep(0.25)


# What draws each part of the scene: the page's few MapLibre layers, each drawing every layer's
# features of its kind from one source (map3d.js, SCENE), told apart by `_layer`.
DRAWN_BY = {
    "structures": ("structures", "structures"), "risk-sources-slab": ("structures", "risk-sources"),
    "threat-zones-plume": ("park-plume", "threat-zones"), "threat-zones-ground": ("park-fill", "threat-zones"),
    "monitoring-points": ("park-points", "monitoring-points"), "incidents": ("park-points", "incidents"),
}


def rendered(page, part, **match):
    """Features MapLibre drew in the last frame for `part` (DRAWN_BY), their properties, filtered by `match`."""
    layer, name = DRAWN_BY[part]
    found = page.evaluate("(l) => window.map3d.queryRenderedFeatures({layers: [l]}).map(f => f.properties)", layer)
    return [p for p in found if p.get("_layer") == name and all(p.get(k) == v for k, v in match.items())]


def test_scene_is_drawn_from_the_api_and_moves_with_the_stream(transactional_db, webgl_browser):
    from places.models import Structure

    park_scene()
    port = free_port()
    proc = start_daphne(port, {"MAP_TILE_URL": ""})  # an intranet: no tile server for the 2D map either
    base = f"http://127.0.0.1:{port}"
    try:
        context, page, problems = open_3d(webgl_browser, base)
        assert page.evaluate("!!document.querySelector('#map3d canvas.maplibregl-canvas')")
        assert page.evaluate("!!window.map3d.painter.context.gl")  # a WebGL context, not the 2D fallback

        # Structures at their heights, from the layer: every one loaded, the tall ones drawn.
        loaded = page.evaluate("window.map3dState.loaded.structures")
        assert len(loaded) == Structure.objects.count()
        ammonia = rendered(page, "structures", name="液氨储罐 T-301")
        assert ammonia and ammonia[0]["height"] == 18 and ammonia[0]["kind"] == "tank"
        assert any(p["kind"] == "pipe_rack" and p["base"] == 5 for p in rendered(page, "structures"))

        # The HH alarm: drawn red on its point, and labelled on the object with its value and state.
        hh = rendered(page, "monitoring-points", code="RS01-AT1")
        assert hh and hh[0]["state"] == "hh" and hh[0]["_colour"] == "#d7191c"
        label = page.locator(".label3d.state-hh").first.inner_text()
        assert label.startswith("AT1 ") and "ppm" in label and "HH" in label
        # The weather mast's wind is a live value on the scene and in the panel, with its mast and time.
        assert page.locator(".label3d", has_text="WS 4 m/s").count() == 1
        assert "4.0 m/s" in page.locator("#weather").inner_text() and "WX01" in page.locator("#weather").inner_text()
        assert page.locator(".wind-arrow3d").count() == 1

        # Risk sources in their grade colours, enterprises in their risk colours (labels), a permit.
        assert {p["_colour"] for p in rendered(page, "risk-sources-slab")} <= {"#b2182b", "#ef8a62", "#f6d55c", "#67a9cf", "#999999"}
        assert rendered(page, "risk-sources-slab") and page.locator(".label3d[data-layer='enterprise-colours']").count() == 6
        assert page.locator(".label3d.permit").count() == len(page.evaluate("window.map3dState.loaded['work-permits']")) >= 1

        # The release: zones draped on the ground and the plume standing on them, tallest inside.
        plume = rendered(page, "threat-zones-plume")
        assert {p["level"] for p in plume} == {"AEGL-3", "AEGL-2", "AEGL-1"}
        heights = {p["level"]: p["_plume"] for p in plume}
        assert heights["AEGL-3"] > heights["AEGL-2"] > heights["AEGL-1"]
        assert rendered(page, "threat-zones-ground")

        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / "map3d.png"
        page.locator("#map3d").screenshot(path=str(shot))
        _assert_picture_of_a_scene(shot)

        # Live: an incident logged and a second alarm raised elsewhere appear without a reload.
        from django.contrib.auth import get_user_model

        from incidents.services import incident_log
        from monitoring.models import MonitoringPoint

        before = len(page.evaluate("window.map3dState.loaded.incidents"))
        incident = _log_incident(get_user_model().objects.get(username="duty1"), incident_log)
        wait_for(page, f"window.map3dState.loaded.incidents.length === {before + 1}", "the incident never arrived")
        assert page.locator(".label3d.incident", has_text=incident.number).count() == 1
        alarm(MonitoringPoint.objects.get(code="RS04-AT1"))
        wait_for(page, "document.querySelectorAll('.label3d.state-hh').length === 2", "the second alarm never arrived")
        # The labels are DOM and move at once; the canvas redraws once the worker has the new data.
        wait_for(page, "window.map3d.queryRenderedFeatures({layers: ['park-points']})"
                       ".some(f => f.properties._layer === 'monitoring-points' && f.properties.code === 'RS04-AT1'"
                       " && f.properties._colour === '#d7191c')",
                 "the second alarm was never drawn red")

        # A click on the alarmed point opens its popup (the click finds the point's own layer
        # among the features every layer shares a source with).
        x, y = page.evaluate("""() => {
            const f = window.map3d.querySourceFeatures('park').find(
                (f) => f.properties._layer === 'monitoring-points' && f.properties.code === 'RS04-AT1');
            const p = window.map3d.project(f.geometry.coordinates);
            const box = document.getElementById('map3d').getBoundingClientRect();
            return [box.left + p.x, box.top + p.y]; }""")
        page.mouse.click(x, y)
        popup = page.locator(".maplibregl-popup .map-popup")
        popup.wait_for()
        assert popup.locator("strong").inner_text().startswith("RS04-AT1 ")
        page.locator(".maplibregl-popup-close-button").click()

        # A click on an enterprise (its dot in its risk colour, where nothing lies over it) names it
        # with its colour and the factors behind it (a list: MapLibre hands it to a click as JSON text).
        spot = page.evaluate("""() => {
            const map = window.map3d, box = document.getElementById('map3d').getBoundingClientRect();
            const layers = ['park-fill', 'park-line', 'park-plume', 'structures', 'park-points'];
            for (const f of map.querySourceFeatures('park')) {
                if (f.properties._layer !== 'enterprise-colours' || f.properties.factors === '[]') continue;
                const c = f.geometry.type === 'Point' ? f.geometry.coordinates : f.geometry.coordinates[0][0];
                const at = map.project(c);
                const ours = (x, y) => map.queryRenderedFeatures([x, y], {layers})[0]?.properties._layer === 'enterprise-colours';
                for (let dy = -12; dy <= 12; dy += 1) for (let dx = -12; dx <= 12; dx += 1) {
                    const x = Math.round(at.x) + dx, y = Math.round(at.y) + dy;
                    // A spot with the enterprise on top a few pixels all round, not at an edge.
                    if ([[0, 0], [-3, 0], [3, 0], [0, -3], [0, 3]].every(([ex, ey]) => ours(x + ex, y + ey)))
                        return [box.left + x, box.top + y, f.properties.name];
                }
            }
            return null; }""")
        assert spot, "no enterprise ground with risk factors in view"
        page.mouse.click(spot[0], spot[1])
        popup.wait_for()
        assert popup.locator("strong").inner_text() == spot[2]
        values = popup.locator("dd").all_inner_texts()
        assert len(values) == 2 and values[1] and not any(c in values[1] for c in "[]{}\""), values
        page.locator(".maplibregl-popup-close-button").click()

        # A layer switched off leaves the scene (its points and its labels), and comes back.
        page.uncheck("[data-layer='monitoring-points']")
        wait_for(page, "!window.map3d.queryRenderedFeatures({layers: ['park-points']})"
                       ".some(f => f.properties._layer === 'monitoring-points')", "the points stayed drawn")
        assert page.locator(".label3d.state-hh").first.is_hidden()
        assert rendered(page, "structures")  # the other layers stay
        page.check("[data-layer='monitoring-points']")
        wait_for(page, "window.map3d.queryRenderedFeatures({layers: ['park-points']})"
                       ".some(f => f.properties._layer === 'monitoring-points' && f.properties.state === 'hh')",
                 "the points never came back")
        assert page.locator(".label3d.state-hh").first.is_visible()

        # Presenting: rotation turns the camera (frames counted for the bench).
        page.click("#rotate-3d")
        bearing = page.evaluate("window.map3d.getBearing()")
        wait_for(page, f"Math.abs(window.map3d.getBearing() - ({bearing})) > 1", "the view never rotated")
        page.click("#rotate-3d")
        assert page.evaluate("window.map3dStats.frames") > 0

        # The 2D map's release form takes the mast's wind by default and says whose and when.
        page.click("#to-2d")
        page.wait_for_selector("#map[data-loaded_risk_sources]")
        assert page.is_checked("input[name=use_mast]")
        assert page.input_value("input[name=wind_speed_ms]") == "4" and page.get_attribute("input[name=wind_speed_ms]", "readonly") == ""
        assert "WX01" in page.locator("#mast-wind").inner_text()
        page.select_option("select[name=risk_source]", label="RS04 液氨储罐区")
        page.click("#release-form button[type=submit]")
        page.wait_for_selector(".release-result .wind-used")
        used = page.locator(".release-result .wind-used").inner_text()
        assert "4 m/s" in used and "120°" in used and "WX01" in used
        assert problems == []
        context.close()
    finally:
        stop_process(proc)


def _log_incident(user, incident_log):
    return incident_log(actor=user, type_code="hazmat-leak", severity="II", title="氯气泄漏 3D",
                        lon=113.6640, lat=22.6500)


def _assert_picture_of_a_scene(path):
    """The screenshot shows a scene, not a blank canvas: many colours, among them the alarm red
    and the plume's orange and yellow."""
    from PIL import Image

    raw = Image.open(path).convert("RGB").resize((350, 225)).tobytes()
    pixels = [tuple(raw[i:i + 3]) for i in range(0, len(raw), 3)]
    assert len(set(pixels)) > 200

    def near(rgb, target, tolerance=40):
        return sum(abs(a - b) for a, b in zip(rgb, target, strict=True)) < tolerance

    assert any(near(p, (0xd7, 0x19, 0x1c)) for p in pixels)  # the HH label and point
    assert any(near(p, (0xf0, 0x7c, 0x00), 90) or near(p, (0xf5, 0xc4, 0x00), 90) for p in pixels)  # the plume


def test_without_webgl_the_2d_map_takes_over(transactional_db, webgl_browser):
    from command import demo

    demo.load()
    port = free_port()
    proc = start_daphne(port)
    base = f"http://127.0.0.1:{port}"
    try:
        # The same Playwright, a Chromium whose WebGL is switched off (as on an old command-hall PC).
        chromium = webgl_browser.browser_type.launch(executable_path="/usr/bin/chromium", headless=True,
                                                     args=[*CHROMIUM_ARGS, "--disable-3d-apis"])
        page = chromium.new_page()
        login(page, base, "viewer1", settings.DEMO_PASSWORD)
        page.goto(f"{base}/map/3d/")
        page.wait_for_url(f"{base}/map/?no_webgl=1")
        page.wait_for_selector("#map[data-loaded_risk_sources]")
        assert "no WebGL" in page.locator("#no-webgl").inner_text()
        chromium.close()
    finally:
        stop_process(proc)


# --- the district's photogrammetry model as OGC 3D Tiles ------------------------------------------

def _ecef(lon, lat, h):
    a, e2 = 6378137.0, 6.69437999014e-3
    phi, lam = math.radians(lat), math.radians(lon)
    n = a / math.sqrt(1 - e2 * math.sin(phi) ** 2)
    return ((n + h) * math.cos(phi) * math.cos(lam), (n + h) * math.cos(phi) * math.sin(lam),
            (n * (1 - e2) + h) * math.sin(phi))


def write_tileset(folder: Path, lon=113.6690, lat=22.6480) -> None:
    """A small point-cloud tileset (3D Tiles 1.0, .pnts): a 200 m square of points up to 30 m high,
    as a photogrammetry survey of a block would give, in ECEF relative to its centre."""
    centre = _ecef(lon, lat, 0)
    points = []
    for i in range(40):
        for j in range(40):
            h = 30 * (1 + math.sin(i / 5) * math.cos(j / 5)) / 2
            x, y, z = _ecef(lon + (i - 20) * 5 / 102742, lat + (j - 20) * 5 / 110946, h)
            points.append((x - centre[0], y - centre[1], z - centre[2], 40 + 5 * i, 200 - 4 * j, 120))
    n = len(points)
    positions = b"".join(struct.pack("<3f", *p[:3]) for p in points)
    colours = b"".join(struct.pack("<3B", *p[3:]) for p in points)
    binary = positions + colours
    binary += b"\0" * (-len(binary) % 8)
    table = json.dumps({"POINTS_LENGTH": n, "POSITION": {"byteOffset": 0}, "RGB": {"byteOffset": len(positions)},
                        "RTC_CENTER": list(centre)}).encode()
    table += b" " * (-(28 + len(table)) % 8)
    header = struct.pack("<4s6I", b"pnts", 1, 28 + len(table) + len(binary), len(table), len(binary), 0, 0)
    (folder / "park.pnts").write_bytes(header + table + binary)
    d = 0.002
    region = [math.radians(lon - d), math.radians(lat - d), math.radians(lon + d), math.radians(lat + d), 0, 40]
    (folder / "tileset.json").write_text(json.dumps({
        "asset": {"version": "1.0"}, "geometricError": 50,
        "root": {"boundingVolume": {"region": region}, "geometricError": 0, "refine": "ADD",
                 "content": {"uri": "park.pnts"}}}))


class _CorsHandler(SimpleHTTPRequestHandler):
    def end_headers(self):
        self.send_header("Access-Control-Allow-Origin", "*")
        super().end_headers()

    def log_message(self, *args):
        pass


def test_district_3d_tiles_load_under_the_layers(transactional_db, webgl_browser, tmp_path):
    from command import demo

    demo.load()
    write_tileset(tmp_path)
    tiles = ThreadingHTTPServer(("127.0.0.1", free_port()), partial(_CorsHandler, directory=str(tmp_path)))
    threading.Thread(target=tiles.serve_forever, daemon=True).start()
    tileset_url = f"http://127.0.0.1:{tiles.server_port}/tileset.json"
    port = free_port()
    proc = start_daphne(port, {"MAP_3D_TILESET_URL": tileset_url})
    base = f"http://127.0.0.1:{port}"
    try:
        context, page, problems = open_3d(webgl_browser, base, "viewer1")
        requested = []
        page.on("request", lambda r: requested.append(r.url))
        wait_for(page, "document.getElementById('map3d').dataset.tilesetTiles >= 1", "no tile of the model loaded")
        assert page.get_attribute("#map3d", "data-tileset") == "loaded"
        # The model lies under the layers: the structures are still drawn over it.
        assert rendered(page, "structures")
        # The CSP lets the page reach the tiles' origin, and only that beyond our own.
        csp = page.evaluate("""async () => (await fetch('/map/3d/', {credentials: 'same-origin'}))
                                               .headers.get('Content-Security-Policy')""")
        connect = next(d.split()[1:] for d in csp.split(";") if d.split() and d.split()[0] == "connect-src")
        assert sorted(connect) == sorted(["'self'", f"ws://127.0.0.1:{port}", f"wss://127.0.0.1:{port}",
                                          f"http://127.0.0.1:{tiles.server_port}"]), csp
        page.locator("#map3d").screenshot(path=str(ARTIFACTS / "map3d_tileset.png"))
        assert problems == []
        context.close()
    finally:
        stop_process(proc)
        tiles.shutdown()
