"""An incident logged through the service; the type, the agency and make_unit are tests/conftest.py's."""

import pytest

from incidents import services
from tests.factories import LAT, LON


@pytest.fixture
def incident(fire_type, duty_officer):
    return services.incident_log(actor=duty_officer, type_code="fire", severity="III", lon=LON, lat=LAT,
                                 title="仓库起火", address="新城路 1 号", caller_name="张三", caller_phone="13800000000")
