"""The console map page at /map/: who sees it, what it loads, and that it carries no inline script."""

import re

import pytest
from django.contrib.gis.geos import Point

from core import roles
from hazards.models import Enterprise, RiskSource


@pytest.mark.parametrize("role", [roles.DUTY_OFFICER, roles.DISPATCHER, roles.COMMANDER, roles.VIEWER, roles.PLANNER])
def test_console_roles_see_the_map(db, make_user, client, role):
    client.force_login(make_user("someone", role))
    response = client.get("/map/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "data-stream-since=" in html and "stream/stream.js" in html and "command/map.js" in html
    # Every script and stylesheet is served from here: no CDN (a bare "cdn" substring check
    # failed once on a random CSRF token that happened to contain it).
    assert "leaflet/leaflet" in html
    assert not re.findall(r'(?:src|href)="(?:https?:)?//[^"]*"', html)
    for name in ["incidents", "resources", "risk-sources", "targets", "shelters", "hazard-zones", "areas",
                 "threat-zones"]:
        assert f'data-layer="{name}"' in html
    # Scripts come from files; only JSON data islands are inline (a CSP without inline scripts holds).
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    can_release = role in (roles.DUTY_OFFICER, roles.DISPATCHER, roles.COMMANDER)
    assert ('id="release-form"' in html) is can_release


def test_map_is_in_the_console_nav(db, duty_officer, client):
    client.force_login(duty_officer)
    assert 'href="/map/"' in client.get("/incidents/").content.decode()


def test_other_people_are_kept_out(db, outsider, make_user, client):
    assert client.get("/map/").status_code == 302  # to the login page
    client.force_login(outsider)
    assert client.get("/map/").status_code == 403
    client.force_login(make_user("crew", roles.RESPONDER))
    assert client.get("/map/").status_code == 403


def test_user_text_is_escaped(db, commander, client):
    enterprise = Enterprise.objects.create(code="EX", name="x", location=Point(113.6, 22.7, srid=4326))
    RiskSource.objects.create(code="R<1>", name="<script>alert(1)</script>", enterprise=enterprise,
                              location=Point(113.6, 22.7, srid=4326))
    client.force_login(commander)
    html = client.get("/map/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
