"""Drills due per plan and enterprise (six-monthly on-site, yearly special): an overdue one is
flagged by a durable job, once per due date, with a `drill.overdue` event and a console
banner; a drill of the plan settles it and schedules the job for the next due date."""

import datetime as dt

import pytest
from django.contrib.gis.geos import Point
from django.test import Client
from django.utils import timezone
from procrastinate.contrib.django.models import ProcrastinateJob

from core.models import Event
from drills import selectors, services
from drills.models import OverdueDrill
from hazards.models import Enterprise
from plans.models import Plan
from tests.conftest import PASSWORD

from .test_worker import _run_worker_until_idle


@pytest.fixture
def lapsed_plan(district, planner):
    """An on-site plan in force for 400 days, never drilled: six-monthly drill overdue."""
    plan = Plan.objects.create(code="XC-T-09", title="液氯泄漏现场处置方案", kind=Plan.Kind.ONSITE,
                               status=Plan.Status.PUBLISHED, published_at=timezone.now(), published_by=planner,
                               effective_date=timezone.localdate() - dt.timedelta(days=400))
    enterprise = Enterprise.objects.create(code="E7", name="南港氯碱", location=Point(113.66, 22.65, srid=4326))
    plan.enterprises.add(enterprise)
    return plan, enterprise


def _console(user) -> str:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client.get("/drills/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_job_flags_an_overdue_drill_once_and_tells_the_consoles(lapsed_plan, duty_officer):
    plan, enterprise = lapsed_plan
    assert "drills-overdue" not in _console(duty_officer)
    # The per-plan job, deferred twice (two drills ended, a retry), and the hourly sweep.
    services.flag_overdue_drills.defer(plan_id=plan.pk)
    services.flag_overdue_drills.defer(plan_id=plan.pk)
    services.sweep_overdue_drills.defer(timestamp=0)
    _run_worker_until_idle()

    [flag] = OverdueDrill.objects.all()
    due = selectors._add_months(plan.effective_date, 6)
    assert (flag.plan, flag.enterprise, flag.due_on, flag.held_at) == (plan, enterprise, due, None)
    [event] = Event.objects.filter(type="drill.overdue")
    assert event.payload["plan"]["code"] == "XC-T-09" and event.payload["due_on"] == due.isoformat()
    assert event.payload["enterprise"] == {"id": enterprise.pk, "name": "南港氯碱"}
    assert set(event.audiences) >= {"console", f"enterprise:{enterprise.pk}"}
    assert event.payload["interval_months"] == 6
    html = _console(duty_officer)
    assert 'data-drills-overdue="1"' in html

    # Running again changes nothing: once per due date.
    services.sweep_overdue_drills.defer(timestamp=1)
    _run_worker_until_idle()
    assert OverdueDrill.objects.count() == 1 and Event.objects.filter(type="drill.overdue").count() == 1


@pytest.mark.django_db
def test_a_drill_of_the_plan_settles_the_flag_and_schedules_the_next_due_date(lapsed_plan, make_scenario, director,
                                                                             duty_officer):
    plan, _enterprise = lapsed_plan
    assert len(services.drills_flag_overdue()) == 1
    scenario = make_scenario((0, "message"), plan=plan)
    drill = services.drill_start(actor=director, drill_id=services.drill_plan(
        actor=director, scenario_id=scenario.pk, speed=10).pk)
    services.inject_play(run_id=drill.runs.get().pk)
    before = set(ProcrastinateJob.objects.filter(task_name="drills.flag_overdue_drills").values_list("id", flat=True))
    drill = services.drill_end(actor=director, drill_id=drill.pk)

    flag = OverdueDrill.objects.get()
    assert flag.held_at == drill.ended_at
    assert "drills-overdue" not in _console(duty_officer)
    # The next lapse gets its own job, at the first moment it is overdue (local midnight).
    next_due = selectors._add_months(timezone.localdate(drill.ended_at), 6)
    [job] = ProcrastinateJob.objects.filter(task_name="drills.flag_overdue_drills").exclude(id__in=before)
    assert job.args == {"plan_id": plan.pk}
    assert timezone.localtime(job.scheduled_at) == timezone.make_aware(
        dt.datetime.combine(next_due + dt.timedelta(days=1), dt.time.min))
    # Not overdue now: the job finds nothing to flag, on that day it would.
    assert services.drills_flag_overdue(plan_id=plan.pk) == []
    flagged = services.drills_flag_overdue(plan_id=plan.pk, today=next_due + dt.timedelta(days=1))
    assert [f.due_on for f in flagged] == [next_due]
    assert services.drills_flag_overdue(today=next_due + dt.timedelta(days=1)) == []


@pytest.mark.django_db
def test_a_district_special_plan_is_due_every_two_years_and_not_flagged_before(district, planner):
    # Naming no enterprise, it is the district's own plan: every two years (生产安全事故应急条例 Art. 8).
    Plan.objects.create(code="ZX-T-09", title="专项预案", kind=Plan.Kind.SPECIAL, status=Plan.Status.PUBLISHED,
                        published_at=timezone.now(), effective_date=timezone.localdate() - dt.timedelta(days=300))
    assert services.drills_flag_overdue() == []
    assert services.drills_flag_overdue(today=timezone.localdate() + dt.timedelta(days=70)) == []  # a year: not yet
    later = timezone.localdate() + dt.timedelta(days=2 * 365 - 300 + 5)
    [flag] = services.drills_flag_overdue(today=later)
    assert flag.enterprise is None and flag.plan.code == "ZX-T-09"
    assert services.drills_flag_overdue(today=later) == []  # NULL enterprise is still one key
