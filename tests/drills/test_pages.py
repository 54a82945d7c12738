"""The drills' console pages, and the running drill's banner on every console page."""

import re

import pytest

from tests.conftest import exercise_labelled, page_client

pytestmark = pytest.mark.django_db


def test_console_pages_for_drills(make_scenario, director, viewer, outsider):
    from drills import services as drill_services

    scenario = make_scenario((0, "call"))
    drill = drill_services.drill_plan(actor=director, scenario_id=scenario.pk)
    for url in ("/drills/", f"/drills/{drill.pk}/", f"/drills/{drill.pk}/report/"):
        response = page_client(viewer).get(url)
        assert response.status_code == 200, url
        assert exercise_labelled(response.content.decode()), url
        assert page_client(outsider).get(url).status_code == 403, url
    # Viewers cannot act; the dispatcher's bad input comes back as a message, not a 500.
    assert page_client(viewer).post(f"/drills/{drill.pk}/act/", {"action": "start"}).status_code == 302
    assert drill.__class__.objects.get(pk=drill.pk).status == "planned"
    director_page = page_client(director)
    response = director_page.post(f"/drills/{drill.pk}/act/", {"action": "end"}, follow=True)
    assert "not running" in response.content.decode()
    response = director_page.post("/drills/new/", {"scenario": scenario.pk, "speed": "fast"}, follow=True)
    assert "Speed must be a whole number" in response.content.decode()


def test_every_console_page_says_a_drill_is_running(make_scenario, director, viewer, make_user):
    from drills import services as drill_services

    page = page_client(viewer)
    assert 'id="drill-running"' not in page.get("/incidents/").content.decode()
    drill = drill_services.drill_plan(actor=director, scenario_id=make_scenario((0, "call")).pk, start=True)
    for url in ("/incidents/", "/incidents/board/", "/drills/"):
        html = page.get(url).content.decode()
        assert re.search(r'id="drill-running"[^>]*>演练 / EXERCISE', html), url
    crew = make_user("crew_banner", "responder")
    assert 'id="drill-running"' not in page_client(crew).get("/incidents/responder/").content.decode()
    drill_services.drill_end(actor=director, drill_id=drill.pk)
    assert 'id="drill-running"' not in page.get("/incidents/").content.decode()
