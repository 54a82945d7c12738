"""Issue 22, point 7: an alarm at a risk source stops hot work and confined-space work under
way near it (GB 30871-2022's stop on an abnormal situation), warns the holders of the other
permits in force there and the park, and both the permit and the alarm say so."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Point
from django.test import Client
from django.utils import timezone

from core.models import Event
from hazards.models import RiskSource
from safety import services
from safety.models import PermitAlarmAction, WorkPermit
from tests.monitoring.test_alarm_incident import raise_alarm
from tests.safety.conftest import approve

M = 1 / 102_690  # degrees of longitude per metre at 22.65° N (near enough)


def _hh_value(code="RS01-AT1") -> float:
    """A reading past the point's HH limit and inside its instrument range (beyond it is a fault)."""
    from monitoring.models import MonitoringPoint

    point = MonitoringPoint.objects.get(code=code)
    hh = point.limits["hh"]
    top = point.range_max if point.range_max is not None else hh * 4
    return (hh + top) / 2


def _gas():
    return {"at": timezone.now() - dt.timedelta(minutes=1), "combustible_percent": 0.1, "lel_percent": 5,
            "o2_percent": 20.5, "toxic_ppm": 0}


def _permit(officer, source, kind, east_m, *, start=True, grade=""):
    now = timezone.now()
    permit = services.work_permit_submit(
        actor=officer, enterprise_id=source.enterprise_id, kind=kind, grade=grade, place=f"{kind} {east_m} m",
        location=Point(source.location.x + east_m * M, source.location.y, srid=4326),
        valid_from=now - dt.timedelta(minutes=10), valid_to=now + dt.timedelta(hours=4),
        gas_tests=[_gas()] if kind in ("hot_work", "confined_space") else [], height_m=3 if kind == "height" else None)
    if start:
        approve(officer, permit.pk)
        services.work_permit_start(actor=officer, permit_id=permit.pk)
    return permit


def test_an_alarm_stops_confined_space_and_hot_work_near_it_and_warns_the_rest(demo, duty_officer):
    officer = get_user_model().objects.get(username="enterprise1")
    source = RiskSource.objects.get(code="RS01")
    tank = _permit(officer, source, "confined_space", 0)               # inside the very tank
    welding = _permit(officer, source, "hot_work", 150, grade="second")  # 150 m away
    height = _permit(officer, source, "height", 100)                    # other work: warned only
    far = _permit(officer, source, "hot_work", 900, grade="second")     # far away (still on site): untouched
    since = Event.objects.order_by("-seq").values_list("seq", flat=True).first()

    alarm = raise_alarm("RS01-AT1", _hh_value())
    assert alarm.level == "hh"

    states = dict(WorkPermit.objects.filter(pk__in=[tank.pk, welding.pk, height.pk, far.pk]).values_list("pk", "state"))
    assert states == {tank.pk: "suspended", welding.pk: "suspended", height.pk: "in_progress", far.pk: "in_progress"}
    actions = dict(PermitAlarmAction.objects.filter(alarm_id=alarm.pk).values_list("permit_id", "action"))
    assert actions[tank.pk] == "suspended" and actions[height.pk] == "warned" and far.pk not in actions
    # The holder hears it wherever they are; the park (safety) and the consoles too.
    events = Event.objects.filter(seq__gt=since, type="work_permit.updated", payload__alarm__id=alarm.pk)
    by_permit = {e.payload["id"]: e for e in events}
    assert by_permit[tank.pk].payload["change"] == "suspended"
    assert by_permit[height.pk].payload["change"] == "alarm_nearby"
    assert {f"user:{officer.pk}", "safety", "console"} <= set(by_permit[tank.pk].audiences)
    assert "GB 30871" in by_permit[tank.pk].payload["rule"]

    # The permit's page says so; so does the alarm's point page.
    page = Client()
    page.force_login(officer)
    html = page.get(f"/safety/permits/{tank.pk}/").content.decode()
    assert 'data-alarm-action="suspended"' in html and f'data-alarm="{alarm.pk}"' in html and "RS01-AT1" in html
    page.force_login(duty_officer)
    html = page.get(f"/monitoring/points/{alarm.point_id}/").content.decode()
    assert 'id="permit-alarm-actions"' in html and f'data-permit="{tank.pk}"' in html

    # Once per alarm: the same alarm heard again (made worse, re-sent) acts on nothing more.
    again = Event.objects.filter(type="alarm.raised", payload__id=alarm.pk).latest("seq")
    services.permits_alarm_event(again)
    assert PermitAlarmAction.objects.filter(alarm_id=alarm.pk).count() == len(actions)


def test_a_drill_alarm_or_a_broken_sensor_stops_nothing(demo, duty_officer):
    from monitoring.models import MonitoringPoint

    officer = get_user_model().objects.get(username="enterprise1")
    source = RiskSource.objects.get(code="RS01")
    tank = _permit(officer, source, "confined_space", 0)
    point = MonitoringPoint.objects.get(code="RS01-AT1")
    # A broken sensor (bad quality): a fault, not a leak. (A gas detector pinned past its range is
    # a fault *and* HH since issue 25: a saturated detector may be a big leak.)
    from monitoring import store
    from monitoring.models import Alarm as PointAlarm
    from monitoring.parsing import RawReading

    base = timezone.now() - dt.timedelta(minutes=5)
    store.readings_store(readings=[RawReading(point.code, base + dt.timedelta(seconds=s), 0.0, False) for s in range(8)])
    fault = PointAlarm.objects.get(point=point, cleared_at__isnull=True)
    assert fault.level == "fault"
    tank.refresh_from_db()
    assert tank.state == "in_progress"
    # A drill's alarm on the same tank: real work goes on.
    from monitoring.models import Alarm

    Alarm.objects.filter(pk=fault.pk).update(cleared_at=timezone.now(), state="cleared")
    drill = Event.objects.filter(type="alarm.raised", payload__id=fault.pk).latest("seq")
    drill.payload = {**drill.payload, "id": fault.pk + 10_000, "level": "hh", "exercise": True}
    services.permits_alarm_event(drill)
    tank.refresh_from_db()
    assert tank.state == "in_progress" and not PermitAlarmAction.objects.filter(permit=tank).exists()
