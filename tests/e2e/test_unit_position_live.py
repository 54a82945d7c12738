"""A responder's phone shares its position (issue 24.8) and the console's map moves the unit live.

Chromium's geolocation is granted and set by Playwright, as a phone's GPS would answer."""

import time

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon

from resources.models import Agency, Area, Resource, ResourcePosition, Responder
from tests.conftest import login

pytestmark = pytest.mark.e2e

DEPOT = (113.601, 22.75)
FIRST = (113.612, 22.761)
SECOND = (113.615, 22.7615)  # ≈ 320 m on: a new fix at once (50 m), well below 300 km/h


@pytest.fixture
def district(transactional_db, make_user):
    Area.objects.create(code="T1", name="测试镇", kind="town",
                        boundary=MultiPolygon(Polygon.from_bbox((113.5, 22.6, 113.8, 22.9)), srid=4326))
    agency = Agency.objects.create(code="FIRE", name="消防")
    unit = Resource.objects.create(code="FE01", name="Engine 01", kind="fire_engine", agency=agency,
                                   capabilities=["fire_suppression"], location=Point(*DEPOT, srid=4326))
    crew = make_user("crew1", "responder")
    Responder.objects.create(user=crew, agency=agency, resource=unit)
    make_user("officer1", "dispatcher")
    return unit


def _marker(page, code):
    return page.evaluate("""(code) => {
        const group = window.commandMapLayers && window.commandMapLayers.resources;
        if (!group) return null;
        const layer = group.getLayers().find((l) => l.feature && l.feature.properties.code === code);
        if (!layer) return null;
        const at = layer.getLatLng();
        return {lon: Math.round(at.lng * 1e6) / 1e6, lat: Math.round(at.lat * 1e6) / 1e6,
                live: layer.feature.properties.live};
    }""", code)


def _wait_marker_at(page, code, lon, lat, timeout=20.0):
    deadline = time.monotonic() + timeout  # polled from Python: the page's CSP forbids wait_for_function's eval
    while True:
        marker = _marker(page, code)
        if marker and abs(marker["lon"] - lon) < 1e-6 and abs(marker["lat"] - lat) < 1e-6:
            return marker
        assert time.monotonic() < deadline, f"{code} is at {marker}, expected {(lon, lat)}"
        time.sleep(0.2)


def test_the_phone_shares_its_position_and_the_console_map_moves_the_unit(daphne_server, browser, district):
    phone_ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US",
                                    permissions=["geolocation"],
                                    geolocation={"longitude": FIRST[0], "latitude": FIRST[1], "accuracy": 10})
    console_ctx = browser.new_context(locale="en-US")
    phone, console = phone_ctx.new_page(), console_ctx.new_page()
    errors = []
    phone.on("pageerror", lambda e: errors.append(str(e)))
    console.on("pageerror", lambda e: errors.append(str(e)))
    try:
        login(console, daphne_server, "officer1")
        console.goto(f"{daphne_server}/map/")
        console.wait_for_selector("#map[data-loaded_resources]")
        console.wait_for_selector("body[data-stream-live='1']")
        assert _wait_marker_at(console, "FE01", *DEPOT)["live"] is False

        login(phone, daphne_server, "crew1")
        phone.wait_for_selector("#share-position")
        # Nothing leaves the phone before the responder agrees.
        time.sleep(1)
        assert not ResourcePosition.objects.exists()
        phone.check("#share-position-consent")
        phone.wait_for_selector("#share-position[data-last-sent]", timeout=20000)
        assert "Position shared" in phone.inner_text("#share-position-state")

        # The console's map moves the unit there, live (the stream's resource.moved), with the live ring.
        assert _wait_marker_at(console, "FE01", *FIRST)["live"] is True

        # The phone moves on: the console follows.
        phone_ctx.set_geolocation({"longitude": SECOND[0], "latitude": SECOND[1], "accuracy": 10})
        _wait_marker_at(console, "FE01", *SECOND, timeout=30)
        unit = Resource.objects.get(pk=district.pk)
        assert (round(unit.position.x, 6), round(unit.position.y, 6)) == SECOND
        assert ResourcePosition.objects.filter(resource=unit).count() >= 2

        # Consent withdrawn: the phone stops sharing.
        phone.uncheck("#share-position-consent")
        count = ResourcePosition.objects.count()
        phone_ctx.set_geolocation({"longitude": FIRST[0], "latitude": FIRST[1], "accuracy": 10})
        time.sleep(2)
        assert ResourcePosition.objects.count() == count
        assert errors == []
    finally:
        phone_ctx.close()
        console_ctx.close()
