"""From alarm to incident (issue 11, point 5): the incident carries the risk source and its
chemical as fields, in its API, its stream event and its page; alarm and incident link both
ways; the release model is opened with the incident's own chemical and number."""

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import Event
from hazards.models import Chemical, RiskSource
from incidents import services as incident_services
from monitoring import services, store
from monitoring.models import Alarm, MonitoringPoint
from monitoring.parsing import RawReading
from tests.conftest import PASSWORD

CHLORINE = "7782-50-5"
AMMONIA = "7664-41-7"


def raise_alarm(code: str, value: float) -> Alarm:
    base = timezone.now() - dt.timedelta(minutes=5)
    store.readings_store(readings=[RawReading(code, base + dt.timedelta(seconds=s), value, True) for s in range(8)])
    # A gas detector past its full scale raises HH and a fault (issue 25): the process alarm is the leak.
    active = Alarm.objects.filter(point__code=code, cleared_at__isnull=True)
    return active.exclude(level__in=("fault", "offline")).first() or active.get()


@pytest.fixture
def chlorine_alarm(demo):
    return raise_alarm("RS01-AT1", 5)


def test_the_incident_has_the_alarms_risk_source_and_chemical_as_fields(chlorine_alarm, duty_officer):
    alarm, incident = services.alarm_create_incident(actor=duty_officer, alarm_id=chlorine_alarm.pk)
    incident.refresh_from_db()
    assert incident.risk_source == RiskSource.objects.get(code="RS01")
    assert incident.chemical == Chemical.objects.get(cas=CHLORINE)
    assert list(incident.alarms.all()) == [alarm] and alarm.incident == incident
    created = Event.objects.filter(type="incident.created").latest("seq").payload
    assert created["risk_source"]["code"] == "RS01"
    assert created["chemical"]["cas"] == CHLORINE
    # The alarm's own event points at the release model with the incident's chemical and number.
    updated = Event.objects.filter(type="alarm.updated", payload__change="incident").latest("seq").payload
    query = parse_qs(urlsplit(updated["release_url"]).query)
    assert query["chemical"] == [CHLORINE] and query["incident"] == [str(incident.pk)]


def test_the_chemical_comes_from_the_incident_never_a_default(demo, duty_officer):
    """An incident whose point and source hold no chemical gets none, and no release link."""
    point = MonitoringPoint.objects.get(code="RS01-AT1")
    point.chemical = None
    point.risk_source = None
    point.save(update_fields=["chemical", "risk_source"])
    alarm = raise_alarm("RS01-AT1", 5)
    client = APIClient()
    client.force_authenticate(duty_officer)
    body = client.post(f"/api/v1/alarms/{alarm.pk}/incident/").json()
    assert body["chemical"] is None and body["risk_source"] is None and body["release_url"] is None
    assert client.get(f"/api/v1/alarms/{alarm.pk}/").json()["release_url"] is None


def test_the_api_shows_the_fields_and_the_alarm_list_keeps_the_release_link(chlorine_alarm, duty_officer, viewer):
    duty = APIClient()
    duty.force_authenticate(duty_officer)
    made = duty.post(f"/api/v1/alarms/{chlorine_alarm.pk}/incident/").json()
    assert made["chemical"] == CHLORINE and made["risk_source"] == RiskSource.objects.get(code="RS01").pk
    reader = APIClient()
    reader.force_authenticate(viewer)
    detail = reader.get(f"/api/v1/incidents/{made['id']}/").json()
    assert detail["chemical"] == CHLORINE and detail["risk_source"] == made["risk_source"]
    listed = {i["id"]: i for i in reader.get("/api/v1/incidents/").json()["results"]}
    assert listed[made["id"]]["chemical"] == CHLORINE
    # After a reload the console builds its banners from this list: the link must be there too.
    [open_alarm] = [a for a in reader.get("/api/v1/alarms/", {"open": "true"}).json()["results"]
                    if a["id"] == chlorine_alarm.pk]
    assert open_alarm["incident"] == made["id"] and open_alarm["release_url"] == made["release_url"]


def test_an_incident_logged_by_hand_keeps_working_without_the_fields(demo, duty_officer):
    incident = incident_services.incident_log(actor=duty_officer, type_code="fire", severity="IV",
                                              lon=113.66, lat=22.65, title="Call")
    assert incident.risk_source is None and incident.chemical is None
    assert Event.objects.filter(type="incident.created").latest("seq").payload["chemical"] is None


def test_incident_log_takes_a_risk_source_and_chemical(demo, duty_officer):
    source = RiskSource.objects.get(code="RS01")
    ammonia = Chemical.objects.get(cas=AMMONIA)
    incident = incident_services.incident_log(actor=duty_officer, type_code="hazmat-leak", severity="III",
                                              lon=113.66, lat=22.65, risk_source=source, chemical=ammonia)
    incident.refresh_from_db()
    assert (incident.risk_source, incident.chemical) == (source, ammonia)


def test_the_pages_link_alarm_and_incident_both_ways(client, chlorine_alarm, duty_officer):
    alarm, incident = services.alarm_create_incident(actor=duty_officer, alarm_id=chlorine_alarm.pk)
    assert client.login(username=duty_officer.username, password=PASSWORD)
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    # The incident's page names the source and the chemical, lists its alarm with links, and
    # its release-model link carries the chemical.
    assert 'data-risk-source="' in page and "RS01" in page and f'data-chemical="{CHLORINE}"' in page
    assert 'id="park-alarms-panel"' in page and f'data-alarm="{alarm.pk}"' in page
    assert f'href="/monitoring/points/{alarm.point_id}/"' in page
    assert f"#alarm-{alarm.pk}" in page
    assert f'href="/map/?incident={incident.pk}&amp;chemical={CHLORINE}&amp;risk_source={incident.risk_source_id}" id="model-release"' in page
    # The alarm list and the point page link the incident.
    listed = client.get(f"/monitoring/alarms/?state=all&point={alarm.point_id}").content.decode()
    assert f'id="alarm-{alarm.pk}"' in listed and f'href="/incidents/{incident.pk}/"' in listed
    point_page = client.get(f"/monitoring/points/{alarm.point_id}/").content.decode()
    assert f'href="/incidents/{incident.pk}/"' in point_page and incident.number in point_page


def test_an_incident_from_a_call_has_no_alarm_card(client, demo, duty_officer):
    incident = incident_services.incident_log(actor=duty_officer, type_code="fire", severity="IV",
                                              lon=113.66, lat=22.65, title="Call")
    assert client.login(username=duty_officer.username, password=PASSWORD)
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert 'id="park-alarms-panel"' not in page and 'id="incident-hazard"' not in page
