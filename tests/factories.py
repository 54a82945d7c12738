"""Factories for the setups tests used to write out by hand (factory_boy, as the HackSoft guide's
tests do): a user with roles, a unit with its crew, an enterprise with its officer, an incident.

    unit = UnitFactory(code="FE01", crew="crew1")          # a fire engine and its responder
    officer = UserFactory(username="off1", roles=[ENTERPRISE_OFFICER], enterprise=e1)
    incident = IncidentFactory(type__code="hazmat-leak")   # a row, no events: services.incident_log
                                                           # is the way when the test needs those

A factory writes rows only; what a service does on top (the timeline, the stream) stays the
service's, so a test of behaviour calls the service.
"""

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.gis.geos import Point
from django.utils import timezone
from factory.django import DjangoModelFactory

from core import roles
from hazards.models import Enterprise
from incidents.models import Incident, IncidentType
from resources.models import Agency, Resource, Responder
from safety.models import EnterpriseMembership

PASSWORD = "test-pass-123"
# Xincheng, in the demo district.
LON, LAT = 113.60, 22.75


class UserFactory(DjangoModelFactory):
    """roles: group names; enterprise: binds an enterprise officer to it."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    is_staff = False

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return model_class.objects.create_user(*args, password=PASSWORD, **kwargs)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*[Group.objects.get(name=name) for name in extracted])

    @factory.post_generation
    def enterprise(self, create, extracted, **kwargs):
        if create and extracted:
            EnterpriseMembership.objects.create(user=self, enterprise=extracted)


class AgencyFactory(DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("code",)

    code = "FIRE"
    name = "消防"


class IncidentTypeFactory(DjangoModelFactory):
    class Meta:
        model = IncidentType
        django_get_or_create = ("code",)

    code = "fire"
    klass = "accident"
    name_zh = "火灾"
    name_en = "Fire"
    required_capabilities = factory.LazyFunction(lambda: ["fire_suppression"])


class UnitFactory(DjangoModelFactory):
    """A unit (a Resource that responds); crew="username" gives it a responder with that login."""

    class Meta:
        model = Resource
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"FE{n:02d}")
    name = factory.LazyAttribute(lambda unit: f"Unit {unit.code}")
    kind = "fire_engine"
    capabilities = factory.LazyFunction(lambda: ["fire_suppression"])
    agency = factory.SubFactory(AgencyFactory)
    location = factory.LazyFunction(lambda: Point(LON, LAT, srid=4326))
    status = "available"

    class Params:
        hazmat = factory.Trait(kind="hazmat_unit", capabilities=factory.LazyFunction(lambda: ["hazmat"]))

    @factory.post_generation
    def crew(self, create, extracted, **kwargs):
        if create and extracted:
            user = UserFactory(username=extracted, roles=[roles.RESPONDER])
            Responder.objects.create(user=user, agency=self.agency, resource=self, **kwargs)


class EnterpriseFactory(DjangoModelFactory):
    class Meta:
        model = Enterprise

    code = factory.Sequence(lambda n: f"E{n}")
    name = factory.LazyAttribute(lambda e: f"{e.code} 化工")
    location = factory.LazyFunction(lambda: Point(113.66, 22.65, srid=4326))


class IncidentFactory(DjangoModelFactory):
    """An incident row as the log would leave it, without its events."""

    class Meta:
        model = Incident

    number = factory.Sequence(lambda n: f"{timezone.now().year}-{n + 1:06d}")
    title = "测试事件"
    type = factory.SubFactory(IncidentTypeFactory)
    location = factory.LazyFunction(lambda: Point(LON, LAT, srid=4326))
    created_by = factory.SubFactory(UserFactory, roles=[roles.DUTY_OFFICER])
    reported_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(minutes=1))
