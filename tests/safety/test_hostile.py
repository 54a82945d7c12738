"""Hostile numbers never reach PostgreSQL as a 500: ids beyond bigint, in paths and bodies."""

import pytest

from .conftest import later

pytestmark = pytest.mark.django_db

HUGE = 10**30


def test_huge_ids_are_4xx(park, api):
    client = api(park["supervisor"])
    for url in (f"/api/v1/hidden-dangers/{HUGE}/", f"/api/v1/work-permits/{HUGE}/", f"/api/v1/enterprises/{HUGE}/",
                f"/api/v1/hidden-dangers/1/photos/{HUGE}/"):
        assert client.get(url).status_code == 404, url
    for url, body in (("/api/v1/hidden-dangers/", {"enterprise": HUGE, "title": "t", "deadline": later(days=1).isoformat()}),
                      ("/api/v1/hidden-dangers/", {"enterprise": park["e1"].pk, "title": "t", "inspection": HUGE,
                                                   "deadline": later(days=1).isoformat()}),
                      ("/api/v1/commitments/", {"enterprise": -HUGE, "units_running": 1, "units_stopped": 0,
                                                "risk_level": "blue"}),
                      (f"/api/v1/work-permits/{HUGE}/start/", {})):
        response = client.post(url, body, format="json")
        assert 400 <= response.status_code < 500, (url, response.status_code)
    from django.test import Client

    page = Client()
    page.force_login(park["supervisor"])
    for url in (f"/safety/hidden-dangers/{HUGE}/", f"/safety/permits/{HUGE}/", f"/safety/enterprises/{HUGE}/"):
        assert page.get(url).status_code == 404, url
    assert page.post(f"/safety/hidden-dangers/{HUGE}/verify/", {"accepted": "1"}).status_code == 404
