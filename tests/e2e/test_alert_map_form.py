"""A commander draws a warning area on the map in Chromium, then issues the warning."""

import re

import pytest
from django.contrib.gis.geos import MultiPolygon

from alerts.models import Alert
from tests.conftest import free_port, login, start_daphne

pytestmark = pytest.mark.e2e


@pytest.fixture
def server(transactional_db):
    # Tiles from a closed local port: the test must not reach the internet.
    proc = start_daphne(port := free_port(), {"MAP_TILE_URL": "http://127.0.0.1:9/{z}/{x}/{y}.png"})
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(10)


def test_draw_area_on_map_save_draft_and_issue(server, browser, commander):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, server, commander.username)
    page.goto(f"{server}/alerts/new/")
    page.select_option("select[name=level]", "orange")
    page.fill("input[name=event]", "暴雨")
    page.fill("input[name=headline]", "暴雨橙色预警")
    page.fill("textarea[name=description]", "未来3小时强降雨。")
    page.fill("input[name=area_description]", "新城街道")
    page.fill("input[name=expires]", "2099-01-01T10:00")
    box = page.locator("[data-alert-map]").bounding_box()
    for dx, dy in ((0.3, 0.3), (0.7, 0.3), (0.5, 0.7)):
        page.mouse.click(box["x"] + box["width"] * dx, box["y"] + box["height"] * dy)
    page.click("[data-area-close]")
    text = page.input_value("textarea[name=area]")
    pairs = text.split()
    assert len(pairs) == 4 and pairs[0] == pairs[-1], text
    assert page.locator("[data-alert-map] path.leaflet-interactive").count() >= 1
    page.click("form.alert-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator(".errorlist").count() == 0, page.locator(".errorlist").all_inner_texts()
    page.wait_for_url(re.compile(r"/alerts/\d+/$"))
    alert = Alert.objects.get()
    assert alert.status == "draft" and isinstance(alert.area, MultiPolygon)
    lon, lat = alert.area[0].exterior_ring.coords[0]
    assert 113 < lon < 114.2 and 22 < lat < 23.5, "map clicks land near the district, lon/lat not swapped"
    assert page.locator("[data-alert-map] path.leaflet-interactive").count() == 1
    page.check("#confirm-issue")  # an orange warning asks for a confirmation (issue 13 point 16)
    page.click("#issue-alert")
    page.wait_for_load_state("networkidle")
    alert.refresh_from_db()
    assert alert.status == "issued"
    assert "Alert" in page.locator("#cap-xml").inner_text()
    assert errors == []
    page.close()
