import pytest

from tests.conftest import login

pytestmark = pytest.mark.e2e


def test_login_page_served_by_daphne_in_chromium(daphne_server, browser, duty_officer):
    page = browser.new_page()
    page.goto(f"{daphne_server}/")
    assert "/login/" in page.url
    assert page.locator("input[name=username]").is_visible()
    login(page, daphne_server, "duty_t")
    assert "/incidents/" in page.url
    page.close()
