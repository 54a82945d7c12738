"""Issue 13 point 15: a role opening a page it may not use gets the console's own 403 page, in
the user's language (Chinese by default), with the navigation and what to do, not Django's bare
English "403 Forbidden"."""

import pytest
from django.utils import translation


@pytest.fixture
def chinese(settings):
    settings.LANGUAGE_CODE = "zh-hans"
    with translation.override("zh-hans"):
        yield


def test_viewer_opening_new_incident_gets_a_chinese_403_page_with_navigation(chinese, client, viewer):
    client.force_login(viewer)
    response = client.get("/incidents/new/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "403 Forbidden" not in page
    assert '<html lang="zh-hans">' in page
    # The console's navigation (the viewer is a console role) and the reason in Chinese.
    assert '<nav>' in page and "/incidents/" in page and "力量状态板" in page
    assert "您的角色无权访问此页面。" in page
    # What to do: the way to the start page.
    assert 'href="/"' in page


def test_403_page_follows_the_english_choice(client, viewer):
    client.force_login(viewer)
    response = client.get("/incidents/new/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    page = response.content.decode()
    assert "Your role cannot use this page" in page and "Your role does not allow this page." in page
    assert "Go to your start page" in page


def test_planner_only_page_refuses_a_responder_with_the_page(chinese, client, make_user):
    from core import roles

    client.force_login(make_user("resp_403", roles.RESPONDER))
    response = client.get("/plans/")
    assert response.status_code == 403
    page = response.content.decode()
    assert '<html lang="zh-hans">' in page and 'href="/"' in page and "403 Forbidden" not in page
