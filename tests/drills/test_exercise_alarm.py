"""A scenario's alarm inject raises a real exercise alarm (monitoring.exercise), played by the
durable job: on the consoles, the alarm list, the API and the stream as 演练 / EXERCISE,
acknowledged and turned into an exercise incident like a real alarm, never counted, and
never touching the point's real state, readings or alarms."""

import datetime as dt

import pytest
from django.contrib.gis.geos import Point
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from core.errors import DomainError
from core.models import Event
from drills import services
from drills.models import Inject
from hazards.models import Enterprise, RiskSource
from monitoring import exercise
from monitoring import selectors as monitoring_selectors
from monitoring.models import Alarm, MonitoringPoint, Reading
from monitoring.parsing import RawReading
from safety import selectors as safety_selectors
from tests.conftest import PASSWORD
from tests.drills.conftest import HAZMAT

from .test_worker import _run_worker_until_idle

try:  # the ingest path moved to monitoring.store (monperf); either is the real one
    from monitoring.store import readings_store
except ImportError:  # pragma: no cover
    from monitoring.services import readings_store


@pytest.fixture
def detector(db):
    enterprise = Enterprise.objects.create(code="E9", name="南港氯碱", address="化工园区",
                                           location=Point(113.66, 22.65, srid=4326))
    source = RiskSource.objects.create(code="RS9", name="液氯储罐区", enterprise=enterprise,
                                       location=Point(113.66, 22.65, srid=4326))
    return MonitoringPoint.objects.create(
        code="RS9-AT1", name="氯气检测器 AT-1", kind="toxic_gas", unit="ppm", risk_source=source,
        location=Point(113.66, 22.65, srid=4326), range_min=0, range_max=100, limit_h=1, limit_hh=2, deadband=0.1,
        delay_s=3, interval_s=5, state="normal", last_value=0.2, last_ts=timezone.now() - dt.timedelta(seconds=5),
        engine_state={})


def _alarm_scenario(make_scenario, detector, level="hh", value=None):
    scenario = make_scenario((0, "call"))
    Inject.objects.create(scenario=scenario, offset_s=0, kind="alarm", title="氯气二级报警", point=detector,
                          level=level, value=value)
    return scenario


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.django_db(transaction=True)
def test_the_alarm_inject_raises_an_exercise_alarm_through_the_job(make_scenario, detector, director, duty_officer,
                                                                   make_unit):
    scenario = _alarm_scenario(make_scenario, detector)
    drill = services.drill_start(actor=director, drill_id=services.drill_plan(
        actor=director, scenario_id=scenario.pk, speed=10).pk)
    readings_before = Reading.objects.filter(point=detector).count()
    _run_worker_until_idle()

    run = drill.runs.get(inject__kind="alarm")
    assert run.status == "fired", run.result
    [alarm] = drill.alarms.all()
    assert alarm.exercise and alarm.level == "hh" and alarm.state == "active" and alarm.point == detector
    assert alarm.raise_value == 2  # no value in the inject: the point's HH limit
    assert list(alarm.history.values_list("kind", flat=True)) == ["raised"]
    assert f"#{alarm.pk}" in run.result

    # The stream: alarm.raised, to the consoles, saying exercise.
    raised = Event.objects.get(type="alarm.raised")
    assert raised.payload["id"] == alarm.pk and raised.payload["exercise"] is True
    assert "console" in raised.audiences

    # The point's real picture is untouched: state, engine memory, last value, readings.
    detector.refresh_from_db()
    assert detector.state == "normal" and detector.engine_state == {}
    assert detector.last_value == 0.2 and Reading.objects.filter(point=detector).count() == readings_before

    # Never counted: the alarm rate and the enterprise colour inputs leave it out.
    assert monitoring_selectors.alarm_rate()["count"] == 0
    assert safety_selectors.active_alarms(detector.risk_source.enterprise_id) == 0

    # The API and the alarm list page label it.
    api = _api(duty_officer)
    listed = api.get("/api/v1/alarms/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [(a["id"], a["exercise"]) for a in rows] == [(alarm.pk, True)]
    page = Client()
    page.login(username=duty_officer.username, password=PASSWORD)
    html = page.get("/monitoring/alarms/").content.decode()
    assert 'class="exercise-badge"' in html

    # Acknowledged and turned into an exercise incident like a real alarm.
    assert api.post(f"/api/v1/alarms/{alarm.pk}/acknowledge/", {"note": "演练收到"},
                    format="json").status_code == 200
    made = api.post(f"/api/v1/alarms/{alarm.pk}/incident/", {}, format="json")
    assert made.status_code in (200, 201), made.content
    alarm.refresh_from_db()
    from_alarm = alarm.incident
    assert from_alarm.exercise is True
    unit = make_unit("HZ7", **HAZMAT)
    from incidents import services as incident_services

    incident_services.assignment_create(actor=director, incident_id=from_alarm.pk, resource_ids=[unit.pk])
    unit.refresh_from_db()
    assert unit.status != "available"  # really busy

    # Ending the drill clears the exercise alarm, and the incident logged from it is the
    # drill's: its unit goes back to service and it closes.
    services.drill_end(actor=director, drill_id=drill.pk)
    alarm.refresh_from_db()
    from_alarm.refresh_from_db()
    unit.refresh_from_db()
    assert alarm.state == "cleared" and alarm.cleared_at is not None
    assert alarm.history.filter(kind="cleared").exists()
    assert drill.incidents.filter(pk=from_alarm.pk).exists()
    assert not from_alarm.is_open and unit.status == "available"
    cleared = Event.objects.filter(type="alarm.updated", payload__change="cleared").get()
    assert cleared.payload["exercise"] is True

    # The evaluation reports the alarm: raised, acknowledged (how fast, by whom), its incident.
    report = _api(director).get(f"/api/v1/drills/{drill.pk}/report/").json()
    [row] = report["alarms"]
    assert (row["id"], row["level"], row["incident"], row["exercise"]) == (alarm.pk, "hh", from_alarm.pk, True)
    assert row["ack_s"] is not None and row["ack_s"] >= 0 and row["acknowledged_by"]
    page = Client()
    page.login(username=director.username, password=PASSWORD)
    html = page.get(f"/drills/{drill.pk}/report/").content.decode()
    assert f'data-alarm="{alarm.pk}"' in html and from_alarm.number in html


def test_an_exercise_alarm_and_a_real_alarm_on_one_point_stay_apart(detector, director):
    drill_alarm = exercise.alarm_raise_exercise(actor=director, point_code=detector.code, level="h", value=1.5)
    # A real leak during the drill: the engine raises the real alarm as usual...
    t0 = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=5)
    readings_store(readings=[RawReading(point=detector.code, ts=t0 + dt.timedelta(seconds=s), value=3.0, good=True)
                             for s in range(0, 30, 5)])
    real = Alarm.objects.get(point=detector, exercise=False)
    assert real.level == "hh" and real.slot == "process" and drill_alarm.slot == "exercise"
    # ...and the real clear closes the real alarm only.
    readings_store(readings=[RawReading(point=detector.code, ts=t0 + dt.timedelta(seconds=s), value=0.1, good=True)
                             for s in range(30, 60, 5)])
    real.refresh_from_db()
    drill_alarm.refresh_from_db()
    assert real.cleared_at is not None
    assert drill_alarm.cleared_at is None and drill_alarm.peak_value == 1.5 and drill_alarm.level == "h"
    assert monitoring_selectors.alarm_rate(minutes=60)["count"] == 1  # the real one only


def test_a_second_exercise_alarm_escalates_or_is_refused(detector, director):
    first = exercise.alarm_raise_exercise(actor=director, point_code=detector.code, level="h")
    with pytest.raises(DomainError) as same:
        exercise.alarm_raise_exercise(actor=director, point_code=detector.code, level="h")
    assert same.value.status == 409
    worse = exercise.alarm_raise_exercise(actor=director, point_code=detector.code, level="hh")
    assert worse.pk == first.pk and worse.level == "hh"
    assert list(worse.history.values_list("kind", flat=True)) == ["raised", "escalated"]
    assert Event.objects.filter(type="alarm.updated", payload__change="escalated").count() == 1


def test_bad_exercise_alarms_are_refused_and_nothing_is_written(detector, director, duty_officer):
    with pytest.raises(DomainError) as level:
        exercise.alarm_raise_exercise(actor=director, point_code=detector.code, level="fault")
    assert level.value.status == 400
    with pytest.raises(DomainError) as unknown:
        exercise.alarm_raise_exercise(actor=director, point_code="NOPE", level="h")
    assert unknown.value.status == 404
    with pytest.raises(DomainError) as role:
        exercise.alarm_raise_exercise(actor=duty_officer, point_code=detector.code, level="h")
    assert role.value.status == 403
    assert not Alarm.objects.exists() and not Event.objects.filter(type__startswith="alarm.").exists()


def test_an_alarm_inject_whose_point_is_gone_fails_with_the_reason(make_scenario, detector, director):
    scenario = _alarm_scenario(make_scenario, detector, level="h")
    drill = services.drill_start(actor=director, drill_id=services.drill_plan(
        actor=director, scenario_id=scenario.pk, speed=10).pk)
    detector.delete()
    for run in drill.runs.order_by("due_at", "id"):
        services.inject_play(run_id=run.pk)
    failed = drill.runs.get(inject__kind="alarm")
    assert failed.status == "failed" and "point" in failed.result
    assert not Alarm.objects.exists()


def test_the_planner_picks_the_point_and_level_in_the_admin(district, planner, detector):
    client = Client()
    assert client.login(username=planner.username, password=PASSWORD)
    form = {"title": "氯气报警推演", "kind": "tabletop", "scope": "single", "objectives": "", "description": "",
            "injects-TOTAL_FORMS": "1", "injects-INITIAL_FORMS": "0", "injects-MIN_NUM_FORMS": "0",
            "injects-MAX_NUM_FORMS": "1000", "injects-0-offset_s": "120", "injects-0-kind": "alarm",
            "injects-0-title": "二级报警"}
    missing = client.post("/admin/drills/scenario/add/", form)
    assert missing.status_code == 200 and "needs this" in missing.content.decode()
    good = client.post("/admin/drills/scenario/add/", {**form, "injects-0-point": str(detector.pk),
                                                       "injects-0-level": "hh"})
    assert good.status_code == 302, good.content.decode()[:2000]
    inject = Inject.objects.get()
    assert (inject.point, inject.level, inject.offset_s) == (detector, "hh", 120)
