"""The drills' console pages, and the running drill's banner on every console page."""

import re

import pytest
from django.test import Client

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _page(user):
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _labelled(html: str) -> bool:
    """The page shows an exercise banner or badge with the label. The raw text alone would not
    do: every console page carries it in the alarm bar's data attribute, for its script."""
    return re.search(r'class="exercise-(?:banner|badge)"[^>]*>[^<]*演练 / EXERCISE', html) is not None


def test_console_pages_for_drills(make_scenario, director, viewer, outsider):
    from drills import services as drill_services

    scenario = make_scenario((0, "call"))
    drill = drill_services.drill_plan(actor=director, scenario_id=scenario.pk)
    for url in ("/drills/", f"/drills/{drill.pk}/", f"/drills/{drill.pk}/report/"):
        response = _page(viewer).get(url)
        assert response.status_code == 200, url
        assert _labelled(response.content.decode()), url
        assert _page(outsider).get(url).status_code == 403, url
    # Viewers cannot act; the dispatcher's bad input comes back as a message, not a 500.
    assert _page(viewer).post(f"/drills/{drill.pk}/act/", {"action": "start"}).status_code == 302
    assert drill.__class__.objects.get(pk=drill.pk).status == "planned"
    director_page = _page(director)
    response = director_page.post(f"/drills/{drill.pk}/act/", {"action": "end"}, follow=True)
    assert "not running" in response.content.decode()
    response = director_page.post("/drills/new/", {"scenario": scenario.pk, "speed": "fast"}, follow=True)
    assert "Speed must be a whole number" in response.content.decode()


def test_every_console_page_says_a_drill_is_running(make_scenario, director, viewer, make_user):
    from drills import services as drill_services

    page = _page(viewer)
    assert 'id="drill-running"' not in page.get("/incidents/").content.decode()
    drill = drill_services.drill_plan(actor=director, scenario_id=make_scenario((0, "call")).pk, start=True)
    for url in ("/incidents/", "/incidents/board/", "/drills/"):
        html = page.get(url).content.decode()
        assert re.search(r'id="drill-running"[^>]*>演练 / EXERCISE', html), url
    crew = make_user("crew_banner", "responder")
    assert 'id="drill-running"' not in _page(crew).get("/incidents/responder/").content.decode()
    drill_services.drill_end(actor=director, drill_id=drill.pk)
    assert 'id="drill-running"' not in page.get("/incidents/").content.decode()
