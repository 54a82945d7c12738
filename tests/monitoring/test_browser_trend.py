"""In a real browser: a point's page draws its trend with the charting library the app serves
itself (no CDN, no request leaves the server), with the readings of the last hour, the limits
drawn, and the live value; the last day on request."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from monitoring import store
from monitoring.parsing import RawReading
from tests.conftest import login
from tests.monitoring.conftest import wait_until

pytestmark = pytest.mark.e2e


def test_the_point_page_draws_the_trend_with_its_limits(daphne_server, browser, transactional_db, make_user,
                                                        make_point, tmp_path):
    make_user("officer_t", "duty_officer")
    point = make_point("GAST")
    now = timezone.now().replace(microsecond=0)
    # A reading every 20 s over the last 50 minutes, rising towards H.
    rows = [RawReading("GAST", now - dt.timedelta(seconds=3000 - 20 * i), round(5 + i * 0.1, 1), True) for i in range(150)]
    store.readings_store(readings=rows)
    ctx = browser.new_context(locale="en-US")
    page = ctx.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    try:
        login(page, daphne_server, "officer_t")
        page.goto(f"{daphne_server}/monitoring/points/{point.pk}/")
        page.wait_for_selector("#trend[data-drawn]")
        assert page.evaluate("typeof window.uPlot") == "function"
        # 50 minutes in 30 s buckets: about 100 of them; drawn on the library's canvas.
        assert int(page.get_attribute("#trend", "data-drawn")) >= 90
        assert page.locator("#trend canvas").count() == 1
        assert page.get_attribute("#trend", "data-limits-drawn") == "h,hh"
        assert page.get_attribute("#trend", "data-tz") == settings.TIME_ZONE  # the axis in the district's time
        assert page.locator(".trend-empty").is_hidden()
        expect(page.locator("#live-value")).to_have_text("19.9")
        assert page.locator("#live-state").inner_text() == "Normal"

        page.select_option("#trend-span", "86400")  # the last day, in 10-minute buckets
        wait_until(lambda: int(page.get_attribute("#trend", "data-drawn")) <= 10, what="the day's buckets")
        page.screenshot(path=str(tmp_path / "trend.png"))
        assert int(page.get_attribute("#trend", "data-drawn")) >= 5
        assert all(url.startswith(daphne_server) or url.startswith("ws://127.0.0.1") for url in requests), \
            [u for u in requests if not u.startswith(daphne_server)]
        assert any("/static/monitoring/vendor/uplot/uPlot.iife.min.js" in url for url in requests)
    finally:
        ctx.close()
