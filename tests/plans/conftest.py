"""Fixtures for plans tests: a published plan with levels and actions, and an incident."""

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.utils import timezone

from plans.models import Action, Plan, ResponseLevel
from resources.models import Area
from tests.factories import IncidentFactory, IncidentTypeFactory


@pytest.fixture
def area(db):
    square = Polygon(((113.5, 22.6), (113.7, 22.6), (113.7, 22.8), (113.5, 22.8), (113.5, 22.6)), srid=4326)
    return Area.objects.create(code="TA1", name="测试镇", kind="town", boundary=MultiPolygon(square, srid=4326))


# Plans' own types, with codes apart from the demo district's (some plans tests load it too),
# so a test plan matches only what the test says. The agency is tests/conftest.py's.
@pytest.fixture
def hazmat_type(db):
    return IncidentTypeFactory(code="hazmat-t", name_zh="危化品泄漏", name_en="Hazmat leak", required_capabilities=[])


@pytest.fixture
def fire_type(db):
    return IncidentTypeFactory(code="fire-t", required_capabilities=[])


def make_plan(*, code="HZ-T", kind=Plan.Kind.SPECIAL, status=Plan.Status.PUBLISHED, types=(), areas=(),
              agency=None, levels=None):
    """levels: {"IV": [("Notify park", 10), ...], ...}, with thresholds for III (injuries ≥ 10) and
    II (deaths ≥ 3 or evacuated ≥ 1000)."""
    plan = Plan.objects.create(code=code, title=f"{code} 预案", kind=kind, status=status,
                               published_at=timezone.now() if status == Plan.Status.PUBLISHED else None)
    plan.incident_types.set(types)
    plan.areas.set(areas)
    thresholds = {"III": {"min_injuries": 10}, "II": {"min_deaths": 3, "min_evacuated": 1000},
                  "I": {"min_deaths": 10}}
    levels = levels or {
        "IV": [("通知园区管委会", 10), ("派出危化品处置车", 15)],
        "III": [("通知园区管委会", 10), ("设置警戒区", 20), ("疏散下风向群众", 30)],
        "II": [("启动区级指挥部", 15)],
    }
    for lv, actions in levels.items():
        level = ResponseLevel.objects.create(plan=plan, level=lv, **thresholds.get(lv, {}))
        for order, (title, minutes) in enumerate(actions, start=1):
            Action.objects.create(level=level, order=order, title=title, time_limit_min=minutes,
                                  responsible_agency=agency, responsible_role="现场指挥部")
    return plan


@pytest.fixture
def plan(hazmat_type, agency):
    return make_plan(types=[hazmat_type], agency=agency)


def make_incident(user, itype, *, lon=113.6, lat=22.7, **figures):
    return IncidentFactory(created_by=user, type=itype, location=Point(lon, lat, srid=4326), **figures)


@pytest.fixture
def incident(hazmat_type, duty_officer):
    return make_incident(duty_officer, hazmat_type)
