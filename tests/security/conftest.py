"""A small world with one of everything a URL can point at, and a user for every role."""

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.utils import timezone

from alerts import services as alert_services
from hazards.models import Chemical, Enterprise, Release, RiskSource
from incidents import services
from incidents.models import IncidentType
from plans import services as plan_services
from plans.models import DutyPost, Handover, Shift
from resources.models import Agency, Area, Resource, Responder
from tests.drills.world import drills_world
from tests.plans.conftest import make_plan

ROLES = ["anonymous", "duty_officer", "dispatcher", "commander", "responder", "planner", "viewer", "outsider"]
COAST = "22.62,113.55 22.62,113.72 22.74,113.72 22.74,113.55 22.62,113.55"


@pytest.fixture
def world(make_user):
    fire = IncidentType.objects.create(code="fire", klass="accident", name_zh="火灾", name_en="Fire",
                                       required_capabilities=["fire_suppression"])
    agency = Agency.objects.create(code="FIRE", name="消防")
    square = Polygon(((113.4, 22.5), (113.8, 22.5), (113.8, 22.9), (113.4, 22.9), (113.4, 22.5)), srid=4326)
    Area.objects.create(code="SEC", name="测试区", kind="town", boundary=MultiPolygon(square, srid=4326))
    unit = Resource.objects.create(code="FE1", name="Engine 1", kind="fire_engine", agency=agency,
                                   capabilities=["fire_suppression"], location=Point(113.6, 22.75, srid=4326))
    spare = Resource.objects.create(code="FE2", name="Engine 2", kind="fire_engine", agency=agency,
                                    capabilities=["fire_suppression"], location=Point(113.61, 22.75, srid=4326))
    users = {
        "duty_officer": make_user("sec_duty", "duty_officer"),
        "dispatcher": make_user("sec_dispatcher", "dispatcher"),
        "commander": make_user("sec_commander", "commander"),
        "responder": make_user("sec_responder", "responder"),
        "planner": make_user("sec_planner", "planner", staff=True),
        "viewer": make_user("sec_viewer", "viewer"),
        "outsider": make_user("sec_outsider"),
    }
    Responder.objects.create(user=users["responder"], agency=agency, resource=unit)
    incident = services.incident_log(actor=users["duty_officer"], type_code="fire", severity="III",
                                     lon=113.6, lat=22.75, title="Warehouse fire")
    [assignment] = services.assignment_create(actor=users["dispatcher"], incident_id=incident.pk,
                                              resource_ids=[unit.pk])
    plan = make_plan(code="FIRE-P", types=[fire], agency=agency)
    activation = plan_services.plan_activate(actor=users["commander"], incident_id=incident.pk, plan_id=plan.pk,
                                             level="IV")
    task = activation.tasks.first()
    now = timezone.now()
    # The duty officer's shift ends now and is not handed over yet (handover_create is theirs to do);
    # the commander's has been, to the dispatcher, who alone may confirm it.
    duty = DutyPost.objects.create(code="DUTY", name="值班员")
    Shift.objects.create(post=duty, person=users["duty_officer"], start=now - dt.timedelta(hours=8), end=now)
    Shift.objects.create(post=duty, person=users["viewer"], start=now, end=now + dt.timedelta(hours=8))
    lead = DutyPost.objects.create(code="LEAD", name="带班领导")
    out_shift = Shift.objects.create(post=lead, person=users["commander"], start=now - dt.timedelta(hours=8), end=now)
    in_shift = Shift.objects.create(post=lead, person=users["dispatcher"], start=now, end=now + dt.timedelta(hours=8))
    handover = Handover.objects.create(post=lead, outgoing_shift=out_shift, incoming_shift=in_shift,
                                       outgoing=users["commander"], incoming=users["dispatcher"], note="quiet")
    alert = alert_services.alert_create(
        actor=users["commander"], level="yellow", category="Met", event="台风", headline="台风黄色预警",
        description="d", instructions="i", area=COAST, area_description="沿海", expires=now + dt.timedelta(hours=24))
    issued = alert_services.alert_create(
        actor=users["commander"], level="blue", category="Met", event="暴雨", headline="暴雨蓝色预警",
        description="d", instructions="i", area=COAST, area_description="沿海", expires=now + dt.timedelta(hours=24))
    issued = alert_services.alert_issue(actor=users["commander"], alert_id=issued.pk)
    chem = Chemical.objects.create(name="氯", name_en="Chlorine", cas="7782-50-5", molecular_weight=70.9,
                                   aegl1=0.5, aegl2=2, aegl3=20, critical_quantity_t=5)
    enterprise = Enterprise.objects.create(code="E1", name="化工厂", location=Point(113.62, 22.7, srid=4326))
    risk_source = RiskSource.objects.create(code="RS1", name="储罐区", enterprise=enterprise,
                                            location=Point(113.62, 22.7, srid=4326))
    release = Release.objects.create(chemical=chem, location=Point(113.62, 22.7, srid=4326), rate_kg_s=1,
                                     wind_speed_ms=3, wind_from_deg=90, stability="D", created_by=users["commander"])
    return {
        "users": users, "incident": incident, "assignment": assignment, "unit": unit, "spare": spare,
        "plan": plan, "activation": activation, "task": task, "handover": handover, "alert": alert, "issued_alert": issued,
        "risk_source": risk_source, "release": release, "chemical": chem, "fire": fire,
        **drills_world(users, fire, agency, plan),
    }


def client_for(role, world, **kwargs):
    from django.test import Client

    client = Client(**kwargs)
    if role != "anonymous":
        client.force_login(world["users"][role])
    return client


@pytest.fixture
def grant(db):
    """Give a user one more role (group)."""
    def _grant(user, role):
        user.groups.add(Group.objects.get(name=role))
    return _grant


def clear_login_throttle():
    """Delete this run's throttle counters only (the Redis database may be shared)."""
    from command.security import _redis

    keys = list(_redis().scan_iter(match=f"{settings.LOGIN_THROTTLE_PREFIX}*", count=500))
    if keys:
        _redis().delete(*keys)


@pytest.fixture
def clean_throttle():
    clear_login_throttle()
    yield
    clear_login_throttle()
