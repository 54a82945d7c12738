"""Issue 12 point 4, "recomputed whenever an input changes": every input of the enterprise's
colour (safety.selectors.colour_inputs) recolours the enterprise when it changes, whichever app
or page changes it, and exercise alarms never do (issue 14 point 1).

Real PostgreSQL and the real procrastinate worker: where a recompute is a durable job deferred
in the changing transaction (alarms from monitoring, deletions, certificates expiring, gas
re-tests falling due), the test runs the worker and looks at the colour, not at the job table.

The inputs (safety.selectors.colour_inputs) and where each is exercised here:
  best_grade                -> test_a_regraded_risk_source_recolours_its_enterprise (and a move)
  red_risk_points           -> test_risk_points_recolour_when_assessed_and_deleted
  open_major_hidden_dangers -> test_hidden_dangers_recolour_when_reported_and_closed
  overdue_items: hidden dangers -> test_hidden_dangers_recolour_when_reported_and_closed (overdue job)
  overdue_items: certificates   -> test_a_certificate_recolours_when_saved_expiring_and_deleted
  overdue_items: gas re-tests   -> test_a_late_confined_space_retest_recolours_when_it_falls_due
  expired_qualifications    -> test_a_contractor_qualification_recolours_when_recorded_lapsing_and_renewed
  active_alarms             -> test_a_real_alarm_recolours_through_the_event_hook
  missing_commitment        -> test_a_missing_then_filed_commitment_recolours
"""

import datetime as dt

import pytest
from django.contrib.gis.geos import Point
from django.db import connection, transaction
from django.utils import timezone
from procrastinate.contrib.django import app

import stream
from core.models import Event
from hazards.models import Chemical, RiskSource, StoredChemical
from safety import services
from safety.models import (
    Certificate,
    ColourChange,
    ContractorQualification,
    EnterpriseColour,
    HiddenDanger,
    RiskPoint,
    SafetyManager,
)
from tests.safety.conftest import LAT, LON, approve, later

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def commitment_never_due(settings):
    settings.SAFETY_COMMITMENT_DUE_HOUR = 24  # only the commitment test makes it due


@pytest.fixture(autouse=True)
def periodic_recompute_already_run(park):
    """A worker defers the periodic recompute of the current cron slot when it starts; run it
    now, so the recompute a test observes later is the one its own change deferred (the
    reason recorded is that input's, not "periodic")."""
    run_jobs()


def jobs_of(enterprise, status="todo", reason=None) -> int:
    """Recompute jobs of this enterprise (the job table outlives a test: pks do not repeat)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'safety.recompute_colour' "
                       "AND (args->>'enterprise_id')::int = %s AND (%s IS NULL OR status::text = %s) "
                       "AND (%s IS NULL OR args->>'reason' = %s)", [enterprise.pk, status, status, reason, reason])
        return cursor.fetchone()[0]


def make_due(enterprise, task="safety.recompute_colour"):
    """Time passes: this enterprise's scheduled jobs are due now."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE procrastinate_jobs SET scheduled_at = now() WHERE status = 'todo' AND task_name = %s "
                       "AND args->>%s = %s", [task, "enterprise_id" if task == "safety.recompute_colour"
                                              else "hidden_danger_id", str(enterprise.pk)])
        return cursor.rowcount


def run_jobs():
    connector = app.connector.get_worker_connector()
    with app.replace_connector(connector) as worker_app:
        worker_app.run_worker(queues=["safety"], wait=False, install_signal_handlers=False, listen_notify=False)


def colour_of(enterprise) -> str:
    return EnterpriseColour.objects.get(enterprise=enterprise).colour


def reasons(enterprise) -> list[str]:
    return list(ColourChange.objects.filter(enterprise=enterprise).order_by("at", "id").values_list("reason", flat=True))


def test_a_regraded_risk_source_recolours_its_enterprise(park):
    e2 = park["e2"]
    assert colour_of(e2) == "blue"  # grade 3 major hazard source
    source = RiskSource.objects.get(code="RS2")
    chlorine = Chemical.objects.create(name="氯", name_en="Chlorine", cas="7782-50-5", molecular_weight=70.9,
                                       critical_quantity_t=5, beta=4)
    StoredChemical.objects.create(risk_source=source, chemical=chlorine, quantity_t=150)
    source.people_within_500m = 60
    from hazards import services as hazard_services

    hazard_services.risk_source_regrade(risk_source=source)  # Σq/Q 30, R = 1.5·4·30 = 180: grade 1
    assert source.grade == 1
    assert colour_of(e2) == "orange"
    assert reasons(e2)[-1] == "risk_source.changed"
    event = Event.objects.filter(type="enterprise.colour_changed", payload__enterprise__id=e2.pk).latest("seq")
    assert (event.payload["colour"], event.payload["previous"]) == ("orange", "blue")
    # Moved to the other enterprise (an admin correction): both are recoloured.
    source.enterprise = park["e1"]
    source.save()
    assert EnterpriseColour.objects.get(enterprise=e2).factors[0]["code"] == "none"


def test_risk_points_recolour_when_assessed_and_deleted(park):
    e2 = park["e2"]
    point = services.risk_point_assess(actor=park["officer2"], enterprise_id=e2.pk, name="反应釜", method="LS",
                                       location=Point(LON + 0.01, LAT, srid=4326), likelihood=5, severity=5)
    assert point.colour == "red" and colour_of(e2) == "orange"
    RiskPoint.objects.filter(pk=point.pk).delete()  # as the admin's delete does
    assert colour_of(e2) == "orange"  # a job, deferred in the deleting transaction
    run_jobs()
    assert colour_of(e2) == "blue" and reasons(e2)[-1] == "riskpoint.deleted"


def test_hidden_dangers_recolour_when_reported_and_closed(park):
    e2 = park["e2"]
    hd = services.hidden_danger_report(actor=park["officer2"], enterprise_id=e2.pk, title="储罐区未设紧急切断",
                                       deadline=later(days=3), criteria=["121-01"])
    assert colour_of(e2) == "red"
    services.hidden_danger_plan(actor=park["officer2"], hidden_danger_id=hd.pk, measures="加装紧急切断阀",
                                responsible="张三", funds_cny=20000, deadline=later(days=2), contingency="停车预案")
    services.hidden_danger_rectified(actor=park["officer2"], hidden_danger_id=hd.pk)
    services.hidden_danger_verify(actor=park["supervisor"], hidden_danger_id=hd.pk, accepted=True)
    assert colour_of(e2) == "blue"
    # A general one past its deadline: the overdue job at the deadline raises the colour one step.
    services.hidden_danger_report(actor=park["officer2"], enterprise_id=e2.pk, title="标识缺失", deadline=later(hours=1))
    assert colour_of(e2) == "blue"
    # The hour passes: the deadline is behind us and the job deferred for it is due.
    late = HiddenDanger.objects.get(enterprise=e2, title="标识缺失")
    HiddenDanger.objects.filter(pk=late.pk).update(deadline=timezone.now() - dt.timedelta(minutes=1))
    with connection.cursor() as cursor:
        cursor.execute("UPDATE procrastinate_jobs SET scheduled_at = now() WHERE status = 'todo' "
                       "AND task_name = 'safety.flag_overdue_hidden_danger' AND args->>'hidden_danger_id' = %s",
                       [str(late.pk)])
        assert cursor.rowcount == 1
    run_jobs()
    assert colour_of(e2) == "yellow" and reasons(e2)[-1] == "hidden_danger.overdue"


def test_a_certificate_recolours_when_saved_expiring_and_deleted(park):
    e2 = park["e2"]
    manager = SafetyManager.objects.create(enterprise=e2, name="李四")
    expired = Certificate.objects.create(manager=manager, kind="安全管理人员", number="A1",
                                         expires_on=timezone.localdate() - dt.timedelta(days=1))
    assert colour_of(e2) == "yellow" and reasons(e2)[-1] == "certificate.saved"
    expired.delete()
    run_jobs()
    assert colour_of(e2) == "blue" and reasons(e2)[-1] == "certificate.deleted"
    # Valid until today: a recompute is scheduled for the moment it expires (tomorrow 00:00).
    Certificate.objects.create(manager=manager, kind="安全管理人员", number="A2", expires_on=timezone.localdate())
    assert colour_of(e2) == "blue"
    midnight = timezone.make_aware(dt.datetime.combine(timezone.localdate() + dt.timedelta(days=1), dt.time.min))
    with connection.cursor() as cursor:
        cursor.execute("SELECT scheduled_at FROM procrastinate_jobs WHERE task_name = 'safety.recompute_colour' "
                       "AND status = 'todo' AND args->>'enterprise_id' = %s", [str(e2.pk)])
        assert [row[0] for row in cursor.fetchall()] == [midnight]
    # Time passes: the certificate expired yesterday and the job is due now.
    Certificate.objects.filter(number="A2").update(expires_on=timezone.localdate() - dt.timedelta(days=1))
    assert make_due(e2) == 1
    run_jobs()
    assert colour_of(e2) == "yellow" and reasons(e2)[-1] == "certificate.expired"


def test_a_contractor_qualification_recolours_when_recorded_lapsing_and_renewed(park):
    """Issue 25 point 3: a contractor's (第三方单位) lapsed qualification raises the colour one
    step; the recompute is scheduled for the moment it lapses, as a licence's or a certificate's."""
    e2, officer, today = park["e2"], park["officer2"], timezone.localdate()
    contractor = services.contractor_register(
        actor=officer, enterprise_id=e2.pk, name="珠江安装工程有限公司", credit_code="91440400MA4X00001K",
        qualifications=[{"kind": "安全生产许可证", "number": "Q-1", "valid_to": today}])
    assert colour_of(e2) == "blue"  # valid until today
    midnight = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min))
    with connection.cursor() as cursor:
        cursor.execute("SELECT scheduled_at FROM procrastinate_jobs WHERE task_name = 'safety.recompute_colour' "
                       "AND status = 'todo' AND args->>'enterprise_id' = %s "
                       "AND args->>'reason' = 'contractor_qualification.expired'", [str(e2.pk)])
        assert [row[0] for row in cursor.fetchall()] == [midnight]
    # Time passes: it lapsed yesterday and the job is due now.
    ContractorQualification.objects.filter(number="Q-1").update(valid_to=today - dt.timedelta(days=1))
    assert make_due(e2) == 1
    run_jobs()
    assert colour_of(e2) == "yellow" and reasons(e2)[-1] == "contractor_qualification.expired"
    factors = EnterpriseColour.objects.get(enterprise=e2).factors
    assert [f["code"] for f in factors] == ["grade", "contractor_qualifications"]
    # A renewal of that kind (a new number) ends the lapse at once.
    services.contractor_qualification_add(actor=officer, contractor_id=contractor.pk, kind="安全生产许可证",
                                          number="Q-2", valid_to=today + dt.timedelta(days=365))
    assert colour_of(e2) == "blue" and reasons(e2)[-1] == "contractor_qualification.recorded"
    # One recorded already lapsed colours at once.
    services.contractor_qualification_add(actor=officer, contractor_id=contractor.pk, kind="建筑业企业资质",
                                          number="J-1", valid_to=today - dt.timedelta(days=3))
    assert colour_of(e2) == "yellow"


def test_a_late_confined_space_retest_recolours_when_it_falls_due(park):
    e2 = park["e2"]
    tested = timezone.now() - dt.timedelta(minutes=5)
    permit = services.work_permit_submit(
        actor=park["officer2"], enterprise_id=e2.pk, kind="confined_space", valid_from=timezone.now(),
        valid_to=later(hours=8), place="T-101 储罐", gas_tests=[
            {"at": tested, "combustible_percent": 0.1, "lel_percent": 5, "o2_percent": 20.5, "toxic_ppm": 0}])
    approve(park["officer2"], permit.pk)
    services.work_permit_start(actor=park["officer2"], permit_id=permit.pk)
    assert colour_of(e2) == "blue"
    # Two hours pass without a re-test while people are inside.
    permit.gas_tests.update(at=timezone.now() - dt.timedelta(hours=2, minutes=1))
    assert jobs_of(e2, reason="work_permit.retest_due") == 1
    assert make_due(e2) == 1
    run_jobs()
    assert colour_of(e2) == "yellow" and reasons(e2)[-1] == "work_permit.retest_due"
    # The re-test brings it back at once.
    services.gas_test_record(actor=park["officer2"], permit_id=permit.pk, test={
        "at": timezone.now(), "combustible_percent": 0.1, "lel_percent": 5, "o2_percent": 20.5, "toxic_ppm": 0})
    assert colour_of(e2) == "blue"


def test_a_missing_then_filed_commitment_recolours(park, settings):
    e2 = park["e2"]
    settings.SAFETY_COMMITMENT_DUE_HOUR = 0
    services.commitments_flag_missing()
    assert colour_of(e2) == "yellow"
    services.commitment_file(actor=park["officer2"], enterprise_id=e2.pk, units_running=2, units_stopped=0,
                             risk_level="blue")
    assert colour_of(e2) == "blue" and reasons(e2)[-1] == "commitment.filed"


def _alarm_point(risk_source, code="E2-GAS"):
    from monitoring.models import MonitoringPoint

    return MonitoringPoint.objects.create(
        code=code, name="氨气探测器", kind="toxic_gas", unit="ppm", location=Point(LON + 0.01, LAT, srid=4326),
        range_min=0, range_max=100, limit_h=20, limit_hh=40, deadband=2, delay_s=3, interval_s=5,
        risk_source=risk_source)


def _readings(code, start, values):
    from monitoring import store
    from monitoring.parsing import RawReading

    t0 = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=10)
    store.readings_store(readings=[RawReading(point=code, ts=t0 + dt.timedelta(seconds=start + n), value=v, good=True)
                                   for n, v in enumerate(values)])


def test_a_real_alarm_recolours_through_the_event_hook(park):
    """monitoring knows nothing of safety: the alarm.raised event reaches safety through
    core.events.subscribe, which defers one durable recompute in the ingest's transaction."""
    from monitoring.models import Alarm

    e2 = park["e2"]
    _alarm_point(RiskSource.objects.get(code="RS2"))
    _readings("E2-GAS", 0, [25] * 6 + [45] * 4)  # raised (H), then escalated (HH): one queued job
    assert Alarm.objects.filter(exercise=False, cleared_at__isnull=True).count() == 1
    assert jobs_of(e2) == 1
    run_jobs()
    assert colour_of(e2) == "yellow" and reasons(e2)[-1] == "alarm.raised:raised"
    assert EnterpriseColour.objects.get(enterprise=e2).factors[-1]["code"] == "alarms"
    assert colour_of(park["e1"]) == "orange"  # the other enterprise is untouched
    _readings("E2-GAS", 20, [1] * 16)  # cleared (after the on-delay and the 15 s window, monitoring.engine)
    run_jobs()
    assert colour_of(e2) == "blue" and reasons(e2)[-1] == "alarm.updated:cleared"


def test_exercise_alarms_and_incidents_never_change_a_colour(park, make_user):
    """Issue 14 point 1: a drill's alarm on the enterprise's own point, and a drill's incident
    at its gate, leave its colour and history exactly as they were."""
    from core.roles import DISPATCHER
    from incidents import services as incident_services
    from incidents.models import IncidentType
    from monitoring.models import Alarm
    from monitoring.payloads import alarm_payload

    e2 = park["e2"]
    before = (colour_of(e2), reasons(e2))
    point = _alarm_point(RiskSource.objects.get(code="RS2"))
    # An exercise alarm as a drill's inject raises it (drills.services): the row and its event.
    with transaction.atomic():
        alarm = Alarm.objects.create(point=point, slot="process", level="hh", raised_at=timezone.now(), raise_value=80,
                                     peak_value=80, exercise=True)
        stream.emit(audiences=[stream.CONSOLE], type="alarm.raised", payload=alarm_payload(alarm, change="raised"))
    IncidentType.objects.create(code="hazmat-leak", klass="accident", name_zh="危化品泄漏", name_en="Hazmat leak")
    incident_services.incident_log(actor=make_user("disp_t", DISPATCHER), type_code="hazmat-leak", severity="III",
                                   lon=LON + 0.01, lat=LAT, title="演练：液氨泄漏", exercise=True, outside_district=True,
                                   risk_source=RiskSource.objects.get(code="RS2"))
    assert jobs_of(e2, status=None) == 0  # not even looked at
    services.enterprise_colours_recompute_all()  # and the periodic backstop agrees
    run_jobs()
    assert (colour_of(e2), reasons(e2)) == before == ("blue", [before[1][0]])
    assert Alarm.objects.filter(exercise=True, cleared_at__isnull=True).count() == 1


def test_the_colour_reads_the_alarm_from_monitoring_not_the_consoles_payload(park):
    """Issue 23 point 3: safety sits above monitoring and asks monitoring.selectors.alarm_of_event
    which alarm an event is about. A payload naming another enterprise's risk source, or calling a
    drill's alarm real, changes nothing: the recompute goes to the enterprise of the alarm's own
    point, and an exercise alarm is still never looked at."""
    from monitoring.models import Alarm
    from monitoring.payloads import alarm_payload

    e1, e2 = park["e1"], park["e2"]
    point = _alarm_point(RiskSource.objects.get(code="RS2"))
    with transaction.atomic():
        alarm = Alarm.objects.create(point=point, slot="process", level="h", raised_at=timezone.now(), raise_value=25,
                                     peak_value=25)
        payload = {**alarm_payload(alarm, change="raised"),
                   "risk_source": {"id": park["rs1"].pk, "code": "RS1", "name": "液氯储罐区"}}
        stream.emit(audiences=[stream.CONSOLE], type="alarm.raised", payload=payload)
    assert (jobs_of(e1, status=None), jobs_of(e2)) == (0, 1)
    run_jobs()
    assert colour_of(e2) == "yellow" and reasons(e2)[-1] == "alarm.raised:raised"
    with transaction.atomic():
        drill = Alarm.objects.create(point=_alarm_point(point.risk_source, code="E2-GAS-2"), slot="process", level="hh", raised_at=timezone.now(), raise_value=80,
                                     peak_value=80, exercise=True)
        stream.emit(audiences=[stream.CONSOLE], type="alarm.raised",
                    payload={**alarm_payload(drill, change="raised"), "exercise": False})
    assert jobs_of(e2) == 0 and jobs_of(e1, status=None) == 0
