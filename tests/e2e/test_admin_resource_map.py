"""The admin shows the demo district's resources on a map."""

import pytest

from command import demo
from resources.models import Resource
from tests.conftest import login

pytestmark = pytest.mark.e2e


def test_planner_sees_every_resource_on_the_admin_map(daphne_server, browser, planner):
    demo.load()
    ctx = browser.new_context(locale="en-US")
    page = ctx.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        login(page, daphne_server, "planner_t")
        page.goto(f"{daphne_server}/admin/resources/resource/")
        page.wait_for_selector("#resource-map .leaflet-interactive")
        # Polled through locators, not wait_for_function: a string predicate is eval'd in the
        # page, which the admin's CSP (no 'unsafe-eval') rightly refuses.
        paths, expected = page.locator("#resource-map path.leaflet-interactive"), Resource.objects.count()
        for _ in range(300):
            if paths.count() >= expected:
                break
            page.wait_for_timeout(100)
        assert paths.count() >= expected
        assert not errors
    finally:
        ctx.close()
