"""In a real browser: the console map offers the park's layers (gates, who is where, hazmat
vehicles) to the duty officer; a vehicle off its route shows its alarm in words, and its track
replays on the map, position by position (issue 24, points 4 and 6)."""

import datetime as dt

import pytest
from django.utils import timezone

from park.parsing import Position
from park.services import tracking
from tests.conftest import login
from tests.park.conftest import api, booking

pytestmark = pytest.mark.e2e

PLATE = "粤A12345"


def test_the_map_shows_the_park_and_replays_a_vehicles_track(daphne_server, browser, park):
    answer = api(park.officer).post("/api/v1/hazmat-appointments/", booking(park), format="json").json()
    assert answer["state"] == "approved"
    tracking.reference_forget()
    route = answer["route"]["coordinates"]
    (x0, y0), (x1, y1) = route[0], route[-1]
    now = timezone.now()
    # Four positions along the route a minute apart, then one 500 m off it: an off-route alarm.
    track = [Position(plate=PLATE, ts=now - dt.timedelta(minutes=5 - i), lon=x0 + (x1 - x0) * i / 4,
                      lat=y0 + (y1 - y0) * i / 4, speed_kmh=20) for i in range(4)]
    track.append(Position(plate=PLATE, ts=now - dt.timedelta(seconds=30), lon=x1, lat=y1 + 0.0045, speed_kmh=20))
    accepted, refused = tracking.vehicle_positions_store(positions=list(enumerate(track)))
    assert (accepted, refused) == (5, [])

    ctx = browser.new_context(locale="en-US")
    page = ctx.new_page()
    try:
        login(page, daphne_server, "park_duty")
        page.goto(f"{daphne_server}/map/")
        for name in ("gates", "park-presence", "vehicles"):
            page.check(f"input[data-layer='{name}']")
        page.wait_for_selector("#map[data-loaded_gates='5']", state="attached")
        page.wait_for_selector("#map[data-loaded_vehicles='1']", state="attached")
        page.wait_for_selector("#map[data-loaded_park_presence]", state="attached")

        page.evaluate("() => window.commandMapLayers.vehicles.getLayers()[0].openPopup()")
        popup = page.wait_for_selector(".leaflet-popup-content")
        assert PLATE in popup.inner_text() and "off route" in popup.inner_text()
        page.click(".leaflet-popup-content button[data-replay-track]")
        page.wait_for_selector("#map[data-track-points='5']", state="attached")
        # The marker walks the track to its last position, labelled with the local time.
        page.wait_for_selector("#map[data-track-step='4']", state="attached")
        label = page.locator(".leaflet-tooltip").last.inner_text()
        assert PLATE in label and "Position at" in label
    finally:
        ctx.close()


def test_the_duty_officer_is_offered_the_park_layers_and_a_responder_no_map(client, park):
    client.force_login(park.responder)
    assert client.get("/map/").status_code == 403
    client.force_login(park.duty)
    page = client.get("/map/").content.decode()
    assert 'data-layer="vehicles"' in page and 'data-layer="gates"' in page
