"""One Patroni cluster (etcd + primary + synchronous standby + pgBackRest) for the whole
package: building and migrating it is most of the cost (tests/failover/cluster.py)."""

import json

import pytest

from tests.monitoring.conftest import make_point, prefix  # noqa: F401 - fixtures for test_broker_restart

from .cluster import Cluster

SEED = """
import json
from django.contrib.auth.models import Group, User
from django.contrib.gis.geos import Point
from rest_framework.authtoken.models import Token
from incidents import services
from incidents.models import IncidentType
from monitoring.models import MonitoringPoint
from resources.models import Agency, Resource, Responder

IncidentType.objects.create(code='fire', klass='accident', name_zh='火灾', name_en='Fire')
agency = Agency.objects.create(code='F', name='消防')
boss = User.objects.create_user('boss')
boss.groups.add(Group.objects.get(name='dispatcher'), Group.objects.get(name='duty_officer'))
units = []
for i in range(UNITS):
    unit = Resource.objects.create(code=f'U{i}', name=f'Engine {i}', kind='fire_engine', agency=agency,
                                   location=Point(113.6, 22.75, srid=4326))
    crew = User.objects.create_user(f'crew{i}')
    crew.groups.add(Group.objects.get(name='responder'))
    Responder.objects.create(user=crew, agency=agency, resource=unit)
    units.append({'id': unit.pk, 'user': crew.pk, 'token': Token.objects.create(user=crew).key})
incident = services.incident_log(actor=boss, type_code='fire', severity='III', lon=113.6, lat=22.75)
point = MonitoringPoint.objects.create(code='FO1', name='Detector FO1', kind='toxic_gas', unit='ppm',
                                       location=Point(113.66, 22.65), range_min=0, range_max=100, limit_h=20,
                                       limit_hh=40, deadband=2, delay_s=3, interval_s=3600)
print(json.dumps({'units': units, 'incident': incident.pk, 'boss': Token.objects.create(user=boss).key,
                  'point': point.pk}))
"""


@pytest.fixture(scope="package")
def cluster():
    c = Cluster()
    try:
        c.start()
        c.migrate()
        c.ids = json.loads(c.shell(SEED.replace("UNITS", "5")).strip().splitlines()[-1])
    except BaseException:
        print(c.logs())
        c.cleanup()
        raise
    yield c
    c.cleanup()
