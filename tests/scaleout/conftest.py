"""A district in the test database with units, responders and API tokens, for multi-process tests."""

import pytest
from django.contrib.gis.geos import Point
from rest_framework.authtoken.models import Token

from incidents import services
from incidents.models import IncidentType
from resources.models import Agency, Resource, Responder


@pytest.fixture
def district(transactional_db, make_user):
    IncidentType.objects.create(code="fire", klass="accident", name_zh="火灾", name_en="Fire",
                                required_capabilities=["fire_suppression"])
    agency = Agency.objects.create(code="FIRE", name="消防")
    units, crews = [], []
    for i in range(3):
        unit = Resource.objects.create(code=f"FE{i}", name=f"Engine {i}", kind="fire_engine", agency=agency,
                                       capabilities=["fire_suppression"], location=Point(113.6, 22.75, srid=4326))
        crew = make_user(f"crew{i}", "responder")
        Responder.objects.create(user=crew, agency=agency, resource=unit)
        units.append(unit)
        crews.append(Token.objects.create(user=crew).key)
    boss = make_user("boss", "dispatcher", "duty_officer")
    incident = services.incident_log(actor=boss, type_code="fire", severity="III", lon=113.6, lat=22.75)
    return {"units": units, "crew_tokens": crews, "boss": boss, "boss_token": Token.objects.create(user=boss).key,
            "incident": incident}
