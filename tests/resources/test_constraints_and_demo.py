import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Point
from django.db import IntegrityError, transaction

from command import demo as demo_module
from hazards.models import Enterprise
from incidents.models import Assignment, Incident, IncidentType
from resources.models import Agency, Area, Depot, Resource, Responder


@pytest.fixture
def agency(db):
    return Agency.objects.create(code="A", name="甲")


def test_shelter_needs_capacity_and_occupancy_stays_within_it(agency):
    with pytest.raises(IntegrityError), transaction.atomic():
        Resource.objects.create(code="S1", name="s", kind="shelter", agency=agency, location=Point(113.6, 22.7))
    shelter = Resource.objects.create(code="S2", name="s", kind="shelter", agency=agency,
                                      location=Point(113.6, 22.7), capacity=10, occupancy=10)
    shelter.occupancy = 11
    with pytest.raises(IntegrityError), transaction.atomic():
        shelter.save()


def test_a_unit_cannot_hold_two_active_assignments(agency, dispatcher):
    unit = Resource.objects.create(code="U1", name="u", kind="fire_engine", agency=agency, location=Point(113.6, 22.7))
    itype = IncidentType.objects.create(code="fire", klass="accident", name_zh="火灾", name_en="Fire")
    incidents = [
        Incident.objects.create(number=f"2026-00000{i}", title="t", type=itype, location=Point(113.6, 22.7),
                                created_by=dispatcher)
        for i in (1, 2)
    ]
    Assignment.objects.create(incident=incidents[0], resource=unit, created_by=dispatcher)
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(incident=incidents[1], resource=unit, created_by=dispatcher)
    # Once cleared, the unit may be booked again.
    Assignment.objects.filter(resource=unit).update(status="cleared")
    Assignment.objects.create(incident=incidents[1], resource=unit, created_by=dispatcher)


def test_incident_number_must_be_readable(agency, dispatcher):
    itype = IncidentType.objects.create(code="fire", klass="accident", name_zh="火灾", name_en="Fire")
    with pytest.raises(IntegrityError), transaction.atomic():
        Incident.objects.create(number="17", title="t", type=itype, location=Point(113.6, 22.7), created_by=dispatcher)


def test_declining_needs_a_reason(agency, dispatcher):
    unit = Resource.objects.create(code="U1", name="u", kind="ambulance", agency=agency, location=Point(113.6, 22.7))
    itype = IncidentType.objects.create(code="fire", klass="accident", name_zh="火灾", name_en="Fire")
    incident = Incident.objects.create(number="2026-000001", title="t", type=itype, location=Point(113.6, 22.7),
                                       created_by=dispatcher)
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(incident=incident, resource=unit, created_by=dispatcher, status="declined")


@pytest.mark.django_db
def test_demo_district_has_what_the_foundation_promises_and_loads_once():
    demo_module.load()
    counts = _counts()
    assert Area.objects.count() == 9
    assert Area.objects.filter(kind="town").count() == 6
    assert Resource.objects.count() >= 60
    assert Resource.objects.values("kind").distinct().count() >= 8
    assert Depot.objects.count() >= 3
    assert Resource.objects.filter(kind="shelter").count() >= 5
    assert Enterprise.objects.filter(in_chemical_park=True).count() >= 6
    users = get_user_model().objects
    for username, role in [("duty1", "duty_officer"), ("dispatcher1", "dispatcher"), ("commander1", "commander"),
                           ("planner1", "planner"), ("viewer1", "viewer")]:
        assert users.get(username=username).groups.filter(name=role).exists()
    # Every dispatchable unit has its responder, and each responder belongs to exactly one unit.
    units = Resource.objects.filter(kind__in=Resource.DISPATCHABLE_KINDS)
    assert all(unit.responders.exists() for unit in units)
    responder1 = Responder.objects.get(user__username="responder1")
    # The password the demo was loaded with, whatever DEMO_PASSWORD the caller's shell has (issue 13, 19).
    assert responder1.resource is not None and responder1.user.check_password(settings.DEMO_PASSWORD)
    # Every unit lies inside the district's areas.
    assert all(Area.objects.filter(boundary__intersects=u.location).exists() for u in units)
    # An unacknowledged HH alarm on RS01's detectors reaches E01's safety officer too.
    from monitoring.models import MonitoringPoint
    rs01_points = MonitoringPoint.objects.filter(risk_source__code="RS01")
    assert rs01_points.exists()
    assert all(p.responsible.filter(username="enterprise1").exists() for p in rs01_points)

    result = demo_module.load()
    assert sum(result.values()) == 0
    assert _counts() == counts


def _counts():
    return tuple(m.objects.count() for m in (Area, Agency, Depot, Resource, Responder, Enterprise, IncidentType,
                                             get_user_model()))
