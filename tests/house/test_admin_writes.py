"""The admin is no second write path (issue 10 point 4, issue 16 point 10): a unit's
operational state is read-only there, shifts go through the overlap service, and planners
hold no operational permission."""

from datetime import datetime, timedelta

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from core import roles
from plans.models import DutyPost, Shift
from resources.models import Agency, Resource

# Permissions that act on a live response: sending units, changing incidents, plans in force,
# public warnings. Planners keep the register (units, plans, rosters), not the response.
OPERATIONAL = {
    "incidents.add_incident", "incidents.change_incident", "incidents.add_assignment",
    "incidents.change_assignment", "plans.add_activation", "plans.change_activation", "plans.add_task",
    "plans.change_task", "alerts.add_alert", "alerts.change_alert",
}


def test_planners_hold_no_operational_permission():
    assert OPERATIONAL.isdisjoint(roles.ROLE_PERMISSIONS[roles.PLANNER])


@pytest.fixture
def unit(db):
    agency = Agency.objects.create(code="AG1", name="消防大队")
    return Resource.objects.create(code="FE1", name="一号车", kind=Resource.Kind.FIRE_ENGINE, agency=agency,
                                   location=Point(113.6, 22.7, srid=4326), status=Resource.Status.EN_ROUTE)


def test_a_planner_cannot_set_a_units_status_in_the_admin(client, planner, unit):
    client.force_login(planner)
    since = unit.status_since
    response = client.post(f"/admin/resources/resource/{unit.pk}/change/", {
        "code": unit.code, "name": "一号车（新）", "kind": unit.kind, "capabilities": "", "agency": unit.agency_id,
        "home_depot": "", "phone": "", "location": "SRID=4326;POINT (113.6 22.7)", "status": "available",
        "status_since": "2020-01-01 00:00:00", "capacity": "", "occupancy": "", "quantity": "",
        "unit_of_measure": "", "responders-TOTAL_FORMS": "0", "responders-INITIAL_FORMS": "0",
        "responders-MIN_NUM_FORMS": "0", "responders-MAX_NUM_FORMS": "1000",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    unit.refresh_from_db()
    assert unit.name == "一号车（新）"  # the register is kept in the admin...
    assert unit.status == Resource.Status.EN_ROUTE and unit.status_since == since  # ...the state is not


@pytest.fixture
def post(db):
    return DutyPost.objects.create(code="LEAD", name="带班领导")


def _shift_form(post, person, start, end):
    local = [timezone.localtime(t) for t in (start, end)]
    return {"post": post.pk, "person": person.pk,
            "start_0": local[0].strftime("%Y-%m-%d"), "start_1": local[0].strftime("%H:%M:%S"),
            "end_0": local[1].strftime("%Y-%m-%d"), "end_1": local[1].strftime("%H:%M:%S")}


def test_the_shift_admin_goes_through_the_overlap_service(client, planner, duty_officer, post):
    client.force_login(planner)
    start = timezone.make_aware(datetime(2026, 12, 1, 8, 0))
    existing = Shift.objects.create(post=post, person=duty_officer, start=start, end=start + timedelta(hours=8))

    overlapping = client.post("/admin/plans/shift/add/", _shift_form(post, duty_officer, start + timedelta(hours=4),
                                                                    start + timedelta(hours=12)))
    assert overlapping.status_code == 200
    assert "already has a shift" in overlapping.content.decode()
    assert Shift.objects.count() == 1

    after = client.post("/admin/plans/shift/add/", _shift_form(post, duty_officer, start + timedelta(hours=8),
                                                              start + timedelta(hours=16)))
    assert after.status_code == 302
    assert Shift.objects.count() == 2

    # Moving the existing shift onto the new one is refused too; moving it within itself is fine.
    moved = client.post(f"/admin/plans/shift/{existing.pk}/change/",
                        _shift_form(post, duty_officer, start + timedelta(hours=2), start + timedelta(hours=10)))
    assert moved.status_code == 200 and "already has a shift" in moved.content.decode()
    shortened = client.post(f"/admin/plans/shift/{existing.pk}/change/",
                            _shift_form(post, duty_officer, start, start + timedelta(hours=6)))
    assert shortened.status_code == 302
    existing.refresh_from_db()
    assert existing.end == start + timedelta(hours=6)


def test_shift_services_refuse_non_planners(duty_officer, post):
    from core.errors import DomainError
    from plans import services

    start = timezone.now()
    with pytest.raises(DomainError) as refused:
        services.shift_create(actor=duty_officer, post_id=post.pk, person_id=duty_officer.pk, start=start,
                              end=start + timedelta(hours=1))
    assert refused.value.status == 403
