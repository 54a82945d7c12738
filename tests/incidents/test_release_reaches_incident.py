"""Issue 22, point 2: a release modelled for an incident reaches the incident, its page, its
timeline, and the phones of its units (wind, approach from upwind, zone distances); units
standing inside a zone are flagged."""

import pytest
from django.contrib.gis.geos import Point
from django.test import Client

from core.models import Event
from incidents import services
from tests.factories import IncidentTypeFactory, UnitFactory
from tests.hazards.conftest import district  # noqa: F401 - the hazards tests' small district, as a fixture

WEST = 1 / 102_690  # degrees of longitude per metre at 22.7° N


@pytest.fixture
def leak(district, duty_officer, dispatcher, make_user):  # noqa: F811
    IncidentTypeFactory(code="hazmat-leak", name_zh="危化品泄漏", name_en="Leak", required_capabilities=["hazmat"])

    def unit(code, lon, responder=None):
        return UnitFactory(code=code, hazmat=True, agency__code="HZ", location=Point(lon, 22.70, srid=4326),
                           crew=responder)

    inside = unit("HZ-IN", 113.60 - 500 * WEST, responder="crew_in")   # 500 m downwind: in the plume
    upwind = unit("HZ-UP", 113.60 + 2000 * WEST, responder="crew_up")  # 2 km upwind: clear
    incident = services.incident_log(actor=duty_officer, type_code="hazmat-leak", severity="III", lon=113.60,
                                     lat=22.70, title="液氯泄漏")
    services.assignment_create(actor=dispatcher, incident_id=incident.pk, resource_ids=[inside.pk, upwind.pk])
    return {"incident": incident, "inside": inside, "upwind": upwind}


def _model(actor, incident):
    return services.incident_release_model(user=actor, incident=incident.pk, chemical="7782-50-5", rate_kg_s=1,
                                           duration_s=3600, wind_speed_ms=2, wind_from_deg=90, stability="D")


def test_the_release_reaches_the_timeline_the_page_and_the_units(leak, duty_officer, dispatcher, district):  # noqa: F811
    incident, inside, upwind = leak["incident"], leak["inside"], leak["upwind"]
    since = Event.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    release = _model(duty_officer, incident)

    entry = incident.timeline.get(kind="release")
    assert entry.data["release"] == release.pk
    assert "下风向小学" in entry.text and "900" in entry.text  # the school downwind, with its people
    assert "上风向医院" not in entry.text                        # the hospital upwind is not threatened
    assert f"{inside.name} (AEGL-" in entry.text and upwind.name not in entry.text

    # Both units' phones hear it; the event says wind and approach.
    [event] = Event.objects.filter(seq__gt=since, type="release.linked")
    assert f"unit:{inside.pk}" in event.audiences and f"unit:{upwind.pk}" in event.audiences
    assert event.payload["wind_from_deg"] == 90 and event.payload["approach_from_deg"] == 90
    assert [z["level"] for z in event.payload["zones"]][:2] == ["AEGL-3", "AEGL-2"]

    # The incident page: the release card with the school, and the unit inside flagged.
    console = Client()
    console.force_login(dispatcher)
    html = console.get(f"/incidents/{incident.pk}/").content.decode()
    assert 'data-target="T-NEAR"' in html and 'data-target="T-UP"' not in html
    assert f'data-unit-inside="{inside.pk}"' in html and f'data-unit-inside="{upwind.pk}"' not in html
    assert html.count("data-in-zone=") == 1

    # The map layer answers the incident's own zones.
    layer = console.get(f"/api/v1/layers/threat-zones/?incident={incident.pk}").json()
    assert {f["properties"]["incident"] for f in layer["features"]} == {incident.pk}
    assert len(layer["features"]) == release.zones.count()

    # The crew inside: wind, approach from the east (upwind), and told to leave.
    crew = Client()
    crew.force_login(inside.responders.get().user)
    phone = crew.get("/incidents/responder/").content.decode()
    assert f'data-hazard="{release.pk}"' in phone and 'data-approach="90"' in phone
    assert 'data-unit-inside="AEGL-' in phone
    # The crew upwind: the same wind, each zone's distance from them, and no "inside".
    crew.force_login(upwind.responders.get().user)
    phone = crew.get("/incidents/responder/").content.decode()
    assert 'data-approach="90"' in phone and "data-unit-inside" not in phone
    assert "2.0 km from you" in phone or "1.9 km from you" in phone or "2.1 km from you" in phone
