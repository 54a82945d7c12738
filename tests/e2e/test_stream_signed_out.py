"""A page whose user signs out elsewhere goes to the sign-in page instead of reconnecting for ever."""

import pytest

from tests.conftest import login
from tests.factories import UnitFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def crew(transactional_db, make_user):
    return UnitFactory(code="FE1", name="Engine 1", crew="crew_so").responders.get().user


def test_a_signed_out_page_goes_to_the_sign_in_page(crew, daphne_server, browser):
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    page = ctx.new_page()
    try:
        login(page, daphne_server, "crew_so")
        page.wait_for_selector("body[data-stream-live='1']")
        assert "/login/" not in page.url
        # Signed out in another tab of the same browser: POST /logout/ with the session's cookies.
        csrf = next(c["value"] for c in ctx.cookies() if c["name"] == "csrftoken")
        answer = ctx.request.post(f"{daphne_server}/logout/", headers={"X-CSRFToken": csrf,
                                                                    "Referer": f"{daphne_server}/"})
        assert answer.status < 500
        page.wait_for_url("**/login/**", timeout=30_000)
        assert "next=" in page.url
    finally:
        ctx.close()
