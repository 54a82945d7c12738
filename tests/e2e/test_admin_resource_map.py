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
        page.wait_for_function(
            "document.querySelectorAll('#resource-map path.leaflet-interactive').length >= "
            f"{Resource.objects.count()}")
        assert not errors
    finally:
        ctx.close()
