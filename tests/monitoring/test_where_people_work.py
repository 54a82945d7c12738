"""Issue 21.5: everyone who must act sees alarms where they work. The park's safety supervisor
reads the whole park's monitoring and acknowledges; an enterprise officer hears, lists and
acknowledges their own enterprise's alarms only, and may not log incidents; an escalated
alarm says so in its payload and in the API."""

import datetime as dt

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone
from rest_framework.test import APIClient

from core import roles
from core.models import Event
from hazards.models import Enterprise, RiskSource
from incidents.models import IncidentType
from monitoring import services, store
from monitoring.models import Alarm
from monitoring.parsing import RawReading
from safety.models import EnterpriseMembership
from tests.conftest import page_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def park(make_point, make_user):
    """Two enterprises, each with a risk source, a detector and an alarm in force, and an officer
    of each; the park's supervisor."""
    IncidentType.objects.get_or_create(code="hazmat-leak", defaults={
        "klass": "accident", "name_zh": "危险化学品泄漏", "name_en": "Hazardous chemical leak",
        "required_capabilities": ["hazmat"]})
    world = {"supervisor": make_user("safety_t", roles.SAFETY_SUPERVISOR)}
    for code, lon in (("E1", 113.66), ("E2", 113.68)):
        enterprise = Enterprise.objects.create(code=code, name=f"企业{code}", location=Point(lon, 22.65))
        source = RiskSource.objects.create(code=f"RS-{code}", name=f"液氨储罐{code}", enterprise=enterprise,
                                           location=Point(lon, 22.65))
        point = make_point(f"NH3-{code}", risk_source=source, location=Point(lon, 22.65), delay_s=0)
        store.readings_store(readings=[RawReading(point.code, timezone.now() - dt.timedelta(seconds=20), 45, True)])
        officer = make_user(f"officer_{code}", roles.ENTERPRISE_OFFICER)
        EnterpriseMembership.objects.create(user=officer, enterprise=enterprise)
        world[code] = {"enterprise": enterprise, "alarm": Alarm.objects.get(point=point), "officer": officer}
    return world


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_an_alarm_reaches_the_park_and_its_own_enterprise_only(park):
    alarm = park["E1"]["alarm"]
    raised = Event.objects.get(type="alarm.raised", payload__id=alarm.pk)
    assert set(raised.audiences) == {"console", "duty", "safety", f"enterprise:{park['E1']['enterprise'].pk}"}
    assert f"enterprise:{park['E2']['enterprise'].pk}" not in raised.audiences


def test_the_supervisor_reads_the_whole_park_and_acknowledges(park):
    supervisor = park["supervisor"]
    page = page_client(supervisor)
    for url in ("/monitoring/", "/monitoring/alarms/", f"/monitoring/points/{park['E2']['alarm'].point_id}/"):
        assert page.get(url).status_code == 200, url
    html = page.get("/safety/").content.decode()
    assert 'id="alarm-bar"' in html and 'data-can-ack="1"' in html and 'data-can-act="0"' in html
    assert 'href="/monitoring/"' in html  # the nav leads to the park's monitoring
    listed = _api(supervisor).get("/api/v1/alarms/?open=true").json()["results"]
    assert {a["id"] for a in listed} == {park["E1"]["alarm"].pk, park["E2"]["alarm"].pk}
    assert _api(supervisor).get(f"/api/v1/monitoring-points/{park['E1']['alarm'].point_id}/readings/").status_code == 200
    answer = _api(supervisor).post(f"/api/v1/alarms/{park['E2']['alarm'].pk}/acknowledge/", {"note": "已电话核实"},
                                   format="json")
    assert answer.status_code == 200 and answer.json()["acknowledged_by"] == "safety_t"
    # Logging an incident stays with the command centre.
    refused = _api(supervisor).post(f"/api/v1/alarms/{park['E1']['alarm'].pk}/incident/", {}, format="json")
    assert refused.status_code == 403 and not Alarm.objects.get(pk=park["E1"]["alarm"].pk).incident_id


def test_an_enterprise_officer_sees_and_acknowledges_their_own_alarms_only(park):
    officer = park["E1"]["officer"]
    own, other = park["E1"]["alarm"], park["E2"]["alarm"]
    listed = _api(officer).get("/api/v1/alarms/?open=true").json()["results"]
    assert [a["id"] for a in listed] == [own.pk]
    assert _api(officer).get(f"/api/v1/alarms/{other.pk}/").status_code == 404
    refused = _api(officer).post(f"/api/v1/alarms/{other.pk}/acknowledge/", {"note": "x"}, format="json")
    assert refused.status_code == 404 and Alarm.objects.get(pk=other.pk).state == "active"
    assert _api(officer).post(f"/api/v1/alarms/{own.pk}/incident/", {}, format="json").status_code == 403
    answer = _api(officer).post(f"/api/v1/alarms/{own.pk}/acknowledge/", {"note": "现场关阀"}, format="json")
    assert answer.status_code == 200 and Alarm.objects.get(pk=own.pk).state == "acknowledged"
    # The park's point pages stay the park's; the officer's own pages carry the bar.
    assert page_client(officer).get("/monitoring/").status_code == 403
    html = page_client(officer).get("/safety/", follow=True).content.decode()  # their enterprise's page
    assert 'id="alarm-bar"' in html and 'data-can-ack="1"' in html and "data-point-url" not in html
    assert "monitoring/alarms.js" in html and "core/sound.js" in html


def test_an_officer_without_an_enterprise_sees_no_alarm(park, make_user):
    stray = make_user("officer_none", roles.ENTERPRISE_OFFICER)
    assert _api(stray).get("/api/v1/alarms/").json()["results"] == []


def test_an_escalated_alarm_says_so(park, settings):
    alarm = park["E1"]["alarm"]
    store.readings_store(readings=[RawReading(alarm.point.code, timezone.now() - dt.timedelta(seconds=5), 60, True)])
    assert Alarm.objects.get(pk=alarm.pk).level == "hh"
    services.alarm_escalate(alarm_id=alarm.pk)
    event = Event.objects.filter(type="alarm.updated", payload__change="escalated_to_people").get()
    assert event.payload["escalations"] == 1
    assert f"enterprise:{park['E1']['enterprise'].pk}" in event.audiences
    listed = _api(park["supervisor"]).get(f"/api/v1/alarms/{alarm.pk}/").json()
    assert listed["escalations"] == 1
