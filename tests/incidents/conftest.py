import pytest
from django.contrib.auth.models import Group
from django.contrib.gis.geos import Point

from incidents import services
from incidents.models import IncidentType
from resources.models import Agency, Resource, Responder

# Xincheng, in the demo district.
LON, LAT = 113.60, 22.75


@pytest.fixture
def fire_type(db):
    return IncidentType.objects.create(code="fire", klass="accident", name_zh="火灾", name_en="Fire",
                                       required_capabilities=["fire_suppression"])


@pytest.fixture
def agency(db):
    return Agency.objects.create(code="FIRE", name="消防")


@pytest.fixture
def make_unit(agency, make_user):
    def _make(code, *, lon=LON, lat=LAT, kind="fire_engine", caps=("fire_suppression",), status="available",
              responder=None):
        unit = Resource.objects.create(code=code, name=f"Unit {code}", kind=kind, capabilities=list(caps),
                                       agency=agency, location=Point(lon, lat, srid=4326), status=status)
        if responder:
            user = make_user(responder)
            user.groups.add(Group.objects.get(name="responder"))
            Responder.objects.create(user=user, agency=agency, resource=unit)
        return unit

    return _make


@pytest.fixture
def incident(fire_type, duty_officer):
    return services.incident_log(actor=duty_officer, type_code="fire", severity="III", lon=LON, lat=LAT,
                                 title="仓库起火", address="新城路 1 号", caller_name="张三", caller_phone="13800000000")
