"""Issue 22, demo items: the after-action report names the source alarm and carries the
acknowledge note; the first report (初报) is filed from the incident page."""

from django.test import Client

from incidents.models import IncidentReport
from monitoring import services as monitoring_services
from tests.monitoring.test_alarm_incident import raise_alarm


def test_the_report_names_the_source_alarm_and_the_note(demo, duty_officer):
    alarm = raise_alarm("RS01-AT1", 5)
    monitoring_services.alarm_acknowledge(actor=duty_officer, alarm_id=alarm.pk, note="企业确认T-102法兰渗漏")
    _alarm, incident = monitoring_services.alarm_create_incident(actor=duty_officer, alarm_id=alarm.pk)
    console = Client()
    console.force_login(duty_officer)
    html = console.get(f"/drills/after-action/{incident.pk}/").content.decode()
    assert 'id="source-alarms"' in html and f'data-alarm="{alarm.pk}"' in html and "RS01-AT1" in html
    assert html.count("企业确认T-102法兰渗漏") == 2  # in the source alarm, and on the timeline
    body = console.get(f"/drills/after-action/{incident.pk}.pdf")
    assert body.status_code == 200 and body["Content-Type"] == "application/pdf"


def test_the_first_report_is_filed_from_the_incident_page(demo, duty_officer, viewer):
    from incidents import services

    incident = services.incident_log(actor=duty_officer, type_code="fire", severity="III", lon=113.6, lat=22.75,
                                     title="仓库起火")
    console = Client()
    console.force_login(duty_officer)
    page = console.get(f"/incidents/{incident.pk}/").content.decode()
    assert 'id="incident-report-form"' in page
    answer = console.post(f"/drills/after-action/{incident.pk}/reports/",
                          {"kind": "initial", "channel": "phone", "text": "14:05 电话报区总值班室", "back": "incident"})
    assert answer.status_code == 302 and answer["Location"] == f"/incidents/{incident.pk}/"
    assert IncidentReport.objects.get(incident=incident).kind == "initial"
    # A viewer sees the deadlines but no form.
    console.force_login(viewer)
    assert 'id="incident-report-form"' not in console.get(f"/incidents/{incident.pk}/").content.decode()
