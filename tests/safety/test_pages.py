"""Ledger pages: who lands where, another enterprise's pages are 404, forms refuse bad input
with a message, photos are served only to those who may see them."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from safety import services
from safety.models import HiddenDanger

from .conftest import approve, image_bytes, later

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_landing_pages(park, commander):
    assert _client(park["supervisor"]).get("/").url == "/safety/"
    officer = _client(park["officer1"])
    assert officer.get("/").url == "/safety/"
    assert officer.get("/safety/").url == f"/safety/enterprises/{park['e1'].pk}/"
    assert _client(commander).get("/safety/").status_code == 403


def test_supervisor_overview_shows_colours_gaps_and_commitments(park, settings):
    settings.SAFETY_COMMITMENT_DUE_HOUR = 0
    services.enterprise_colours_recompute_all()
    page = _client(park["supervisor"]).get("/safety/").content.decode()
    assert "一号化工" in page and "二号化工" in page
    assert "colour-red" in page  # E1: grade-1 source (orange), raised by the missing commitment
    assert "missing" in page  # no commitment filed, due hour passed


def test_enterprise_page_is_own_only(park):
    hd = services.hidden_danger_report(actor=park["officer1"], enterprise_id=park["e1"].pk, title="Open drain",
                                       deadline=later(days=1))
    officer1, officer2 = _client(park["officer1"]), _client(park["officer2"])
    page = officer1.get(f"/safety/enterprises/{park['e1'].pk}/")
    assert page.status_code == 200 and "Open drain" in page.content.decode()
    assert "包保" in page.content.decode()  # RS1 lacks all three responsible persons: a visible gap
    for url in (f"/safety/enterprises/{park['e1'].pk}/", f"/safety/hidden-dangers/{hd.pk}/",
                f"/safety/enterprises/{park['e1'].pk}/ledger.xlsx"):
        assert officer2.get(url).status_code == 404, url
    response = officer2.post(f"/safety/hidden-dangers/{hd.pk}/rectified/", {"note": "x"})
    assert response.status_code == 404
    assert "Open drain" not in officer2.get("/safety/hidden-dangers/").content.decode()


def test_report_form_with_photo_and_criteria(park):
    officer = _client(park["officer1"])
    deadline = timezone.localtime(later(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = officer.post("/safety/hidden-dangers/new/", {
        "enterprise": park["e1"].pk, "title": "Hose instead of loading arm", "level": "general",
        "criteria": ["121-07"], "deadline": deadline,
        "photo": SimpleUploadedFile("p.png", image_bytes(), "image/png")})
    assert response.status_code == 302, response.content.decode()[:2000]
    hd = HiddenDanger.objects.get()
    assert hd.level == "major" and hd.photos.count() == 1
    photo = hd.photos.get()
    assert officer.get(f"/safety/hidden-dangers/{hd.pk}/photos/{photo.pk}/").status_code == 200
    assert _client(park["officer2"]).get(f"/safety/hidden-dangers/{hd.pk}/photos/{photo.pk}/").status_code == 404
    assert Client().get(f"/safety/hidden-dangers/{hd.pk}/photos/{photo.pk}/").status_code == 302  # to login


def test_report_form_refuses_a_file_that_is_not_an_image_and_writes_nothing(park):
    response = _client(park["officer1"]).post("/safety/hidden-dangers/new/", {
        "enterprise": park["e1"].pk, "title": "x", "level": "general",
        "deadline": timezone.localtime(later(days=3)).strftime("%Y-%m-%dT%H:%M"),
        "photo": SimpleUploadedFile("p.jpg", b"MZ\x90\x00 not an image", "image/jpeg")})
    assert response.status_code == 400 and "not a JPEG, PNG or WebP" in response.content.decode()
    assert not HiddenDanger.objects.exists()


def test_officer_cannot_pick_another_enterprise_in_the_form(park):
    response = _client(park["officer1"]).post("/safety/hidden-dangers/new/", {
        "enterprise": park["e2"].pk, "title": "x", "level": "general",
        "deadline": timezone.localtime(later(days=3)).strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 400 and not HiddenDanger.objects.exists()


def test_permit_page_refusal_names_the_rule(park):
    officer = _client(park["officer1"])
    now = timezone.localtime()
    response = officer.post("/safety/permits/new/", {
        "enterprise": park["e1"].pk, "kind": "hot_work", "grade": "first", "place": "rack",
        "valid_from": now.strftime("%Y-%m-%dT%H:%M"),
        "valid_to": (now + dt.timedelta(hours=12)).strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 400 and "GB 30871-2022 5.1" in response.content.decode()


def test_commitment_form(park):
    officer = _client(park["officer1"])
    response = officer.post(f"/safety/enterprises/{park['e1'].pk}/commitment/", {
        "units_running": 3, "units_stopped": 1, "special_work": 0, "trial_runs": 0, "startups_shutdowns": 0,
        "risk_level": "yellow"})
    assert response.status_code == 302
    assert park["e1"].commitments.get().risk_level == "yellow"
    bad = officer.post(f"/safety/enterprises/{park['e1'].pk}/commitment/", {"units_running": -1}, follow=True)
    assert "incomplete" in bad.content.decode()


def test_risk_point_form(park):
    officer = _client(park["officer1"])
    url = f"/safety/enterprises/{park['e1'].pk}/risk-points/"
    page = officer.post(url, {"name": "Loading bay", "lon": "113.66", "lat": "22.65", "method": "LEC",
                              "likelihood": "3", "exposure": "6", "consequence": "15"}, follow=True)
    assert "Risk point assessed: 270" in page.content.decode()
    assert park["e1"].risk_points.get().colour == "orange"
    bad = officer.post(url, {"name": "x", "lon": "113.66", "lat": "22.65", "method": "LEC", "likelihood": "2",
                             "exposure": "6", "consequence": "15"}, follow=True)
    assert "must be one of" in bad.content.decode() and park["e1"].risk_points.count() == 1
    assert _client(park["officer2"]).post(url, {"name": "x"}).status_code == 404


def test_a_dispatchers_incident_page_lists_permits_in_force_within_500_m(park, dispatcher):
    """Issue 12 point 5 on the real incident page: people may be inside a tank near the call."""
    from django.contrib.gis.geos import Point

    from incidents import services as incident_services
    from incidents.models import IncidentType

    from .conftest import LAT, LON

    now = timezone.now()

    def permit(place, lon, kind="confined_space", start=True):
        made = services.work_permit_submit(
            actor=park["officer1"], enterprise_id=park["e1"].pk, kind=kind, place=place,
            location=Point(lon, LAT, srid=4326), valid_from=now - dt.timedelta(minutes=5), valid_to=later(hours=4),
            gas_tests=[{"at": now - dt.timedelta(minutes=2), "combustible_percent": 0.1, "lel_percent": 5,
                        "o2_percent": 20.6, "toxic_ppm": 0}] if kind == "confined_space" else [])
        if start:
            approve(park["officer1"], made.pk)
            services.work_permit_start(actor=park["officer1"], permit_id=made.pk)
        return made

    permit("T-101 储罐内", LON + 0.004)  # ≈ 410 m east: in force, inside
    permit("T-205 储罐内", LON + 0.006)  # ≈ 615 m east: too far
    permit("T-102 储罐内", LON + 0.001, start=False)  # near, but not started: not in force
    IncidentType.objects.create(code="hazmat-leak", klass="accident", name_zh="危化品泄漏", name_en="Hazmat leak")
    incident = incident_services.incident_log(actor=dispatcher, type_code="hazmat-leak", severity="III", lon=LON,
                                              lat=LAT, title="液氯泄漏", outside_district=True)
    page = _client(dispatcher).get(f"/incidents/{incident.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    panel = html[html.index('id="work-permits-panel"'):]
    panel = panel[:panel.index("</section>")]
    assert "T-101 储罐内" in panel and "T-205" not in panel and "T-102" not in panel
    assert "一号化工" in panel
