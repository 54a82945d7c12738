"""Fixtures for drills: a small district (areas, a chemical) and a scenario with injects; units
come from tests/conftest.py's make_unit (make_unit("HZ1", **HAZMAT))."""

import pytest
from django.contrib.gis.geos import Point

from core import roles
from drills.models import Inject, Scenario

LON, LAT = 113.60, 22.75
# The drills' units: hazmat units just east of the test point.
HAZMAT = {"hazmat": True, "lon": LON + 0.01}


@pytest.fixture
def district(chlorine_town):
    """The drills' district: tests/conftest.py's chlorine town (the incident type returned)."""
    return chlorine_town


@pytest.fixture
def director(make_user):
    """Directs drills: dispatcher and commander (ends plan responses too)."""
    return make_user("director_t", roles.DISPATCHER, roles.COMMANDER)


@pytest.fixture
def make_scenario(district, planner):
    def _make(*offsets_and_kinds, kind=Scenario.Kind.TABLETOP, plan=None):
        scenario = Scenario.objects.create(title="液氯泄漏推演", kind=kind, plan=plan, created_by=planner)
        for offset, inject_kind in offsets_and_kinds or ((0, "call"),):
            fields = {"scenario": scenario, "offset_s": offset, "kind": inject_kind, "title": f"{inject_kind} T+{offset}"}
            if inject_kind == "call":
                fields.update(location=Point(LON, LAT, srid=4326), incident_type=district, severity="III",
                              text="储罐法兰泄漏", caller_name="中控室")
            elif inject_kind == "release":
                fields.update(chemical_cas="7782-50-5", rate_kg_s=0.5, wind_speed_ms=3, wind_from_deg=135,
                              stability="D")
            elif inject_kind == "wind_change":
                fields.update(wind_speed_ms=4, wind_from_deg=45)
            elif inject_kind in ("message", "further_call"):
                fields.update(text=f"消息 T+{offset}")
            Inject.objects.create(**fields)
        return scenario

    return _make
