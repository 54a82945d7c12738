"""Issue 22, point 6: one leak, one incident. An alarm on a risk source whose leak a caller
already reported is offered that incident (and filed on it), and a call near an alarm's
incident is offered as a duplicate; the acknowledge note reaches the incident's timeline."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from core.errors import DomainError
from hazards.models import RiskSource
from incidents import selectors
from incidents import services as incident_services
from incidents.models import IncidentType
from monitoring import services
from tests.monitoring.test_alarm_incident import raise_alarm


@pytest.fixture
def called_in(demo, duty_officer):
    """A caller at the park reports the leak before the detector's alarm is handled: logged as a
    fire (what the caller saw) 300 m from the tank, without a risk source."""
    source = RiskSource.objects.get(code="RS01")
    return incident_services.incident_log(actor=duty_officer, type_code="fire", severity="III",
                                          lon=source.location.x + 0.0029, lat=source.location.y, title="园区冒白烟")


def test_an_alarm_on_the_same_leak_is_offered_the_incident_and_filed_on_it(called_in, duty_officer):
    alarm = raise_alarm("RS01-AT1", 5)
    services.alarm_acknowledge(actor=duty_officer, alarm_id=alarm.pk, note="已电话联系企业值班长，确认储罐区有异味")
    api = APIClient()
    api.force_authenticate(duty_officer)
    refused = api.post(f"/api/v1/alarms/{alarm.pk}/incident/", {}, format="json")
    assert refused.status_code == 409
    assert [d["id"] for d in refused.json()["duplicates"]] == [called_in.pk]
    assert called_in.number in refused.json()["detail"]
    alarm.refresh_from_db()
    assert alarm.incident_id is None  # nothing written

    filed = api.post(f"/api/v1/alarms/{alarm.pk}/incident/", {"link": called_in.pk}, format="json")
    assert filed.status_code == 200 and filed.json()["id"] == called_in.pk
    alarm.refresh_from_db()
    assert alarm.incident_id == called_in.pk
    kinds = list(called_in.timeline.values_list("kind", flat=True))
    assert "alarm" in kinds
    note = called_in.timeline.get(kind="alarm.note")
    assert "确认储罐区有异味" in note.text and note.actor == duty_officer


def test_a_new_incident_can_still_be_confirmed(called_in, duty_officer):
    alarm = raise_alarm("RS01-AT1", 5)
    with pytest.raises(DomainError):
        services.alarm_create_incident(actor=duty_officer, alarm_id=alarm.pk)
    _alarm, incident = services.alarm_create_incident(actor=duty_officer, alarm_id=alarm.pk, confirm_new=True)
    assert incident.pk != called_in.pk


def test_a_call_near_an_alarms_incident_is_offered_it_whatever_its_type(demo, duty_officer):
    alarm = raise_alarm("RS01-AT1", 5)
    _alarm, from_alarm = services.alarm_create_incident(actor=duty_officer, alarm_id=alarm.pk)
    source = from_alarm.risk_source
    near = incident_services.parse_location(source.location.x + 0.0029, source.location.y)
    fire = IncidentType.objects.get(code="fire")
    found = selectors.incidents_possible_duplicates(incident_type=fire, location=near)
    assert from_alarm in found
    # And the intake form shows it.
    console = Client()
    console.force_login(duty_officer)
    html = console.get("/incidents/duplicates/", {"type": "fire", "lon": near.x, "lat": near.y}).content.decode()
    assert from_alarm.number in html


def test_the_note_of_an_alarm_acknowledged_after_its_incident_reaches_the_timeline(demo, duty_officer):
    alarm = raise_alarm("RS01-AT1", 5)
    _alarm, incident = services.alarm_create_incident(actor=duty_officer, alarm_id=alarm.pk)
    services.alarm_acknowledge(actor=duty_officer, alarm_id=alarm.pk, note="企业已启动喷淋")
    assert "企业已启动喷淋" in incident.timeline.get(kind="alarm.note").text
