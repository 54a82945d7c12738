"""Issue 25 point 9: incidents carry deaths, serious injuries and direct economic loss; the system
suggests the severity from them (生产安全事故报告和调查处理条例 Art. 3) and warns when the chosen
one is lower; a change in casualties within 30 days after closing asks for a supplementary report
(补报, Art. 13), and after 30 days the figures are final."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from core.errors import DomainError
from incidents import grading, services
from incidents.models import Incident
from incidents.services import incident_report_file


@pytest.mark.parametrize(("deaths", "injuries", "loss", "level"), [
    (0, 0, 0, "IV"), (2, 9, "9999999.99", "IV"),
    (3, 0, 0, "III"), (0, 10, 0, "III"), (0, 0, 10_000_000, "III"),
    (10, 0, 0, "II"), (0, 50, 0, "II"), (0, 0, 50_000_000, "II"), (29, 99, "99999999.99", "II"),
    (30, 0, 0, "I"), (0, 100, 0, "I"), (0, 0, 100_000_000, "I"),
])
def test_the_suggested_severity_follows_article_3_boundaries_included(deaths, injuries, loss, level):
    assert grading.suggested_severity(deaths, injuries, Decimal(str(loss))) == level


def api_as(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_recording_casualties_suggests_a_higher_severity_and_warns(incident, duty_officer, viewer):
    url = f"/api/v1/incidents/{incident.pk}/"
    answer = api_as(duty_officer).patch(url, {"deaths": 4, "injuries": 2, "direct_loss_cny": "1200000.50"}, format="json")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["deaths"], body["injuries"], body["direct_loss_cny"]) == (4, 2, "1200000.50")
    assert (body["severity"], body["suggested_severity"], body["severity_below_suggested"]) == ("III", "III", False)
    body = api_as(duty_officer).patch(url, {"deaths": 12}, format="json").json()
    assert (body["suggested_severity"], body["severity_below_suggested"]) == ("II", True)
    assert "suggest severity Ⅱ" in body["timeline"][-1]["text"]
    # Choosing a severity below the figures is allowed (officers decide), and said on the timeline.
    services.incident_change_severity(actor=duty_officer, incident_id=incident.pk, severity="IV", reason="")
    assert "Below the severity" in Incident.objects.get(pk=incident.pk).timeline.order_by("-id").first().text
    assert api_as(viewer).patch(url, {"deaths": 1}, format="json").status_code == 403


@pytest.mark.parametrize("body", [{"deaths": -1}, {"injuries": "many"}, {"direct_loss_cny": "NaN"},
                                  {"direct_loss_cny": "1e400"}, {"deaths": 10 ** 12}, {"severity": "I"}])
def test_bad_figures_are_a_400_naming_the_field_and_change_nothing(incident, duty_officer, body):
    answer = api_as(duty_officer).patch(f"/api/v1/incidents/{incident.pk}/", body, format="json")
    assert answer.status_code == 400 and set(body) <= set(answer.json())
    assert Incident.objects.get(pk=incident.pk).deaths == 0


def close(incident, actor, days_ago=0):
    services.incident_change_status(actor=actor, incident_id=incident.pk, status="closed")
    Incident.objects.filter(pk=incident.pk).update(closed_at=timezone.now() - dt.timedelta(days=days_ago))


def test_a_casualty_change_after_closing_asks_for_a_supplementary_report(incident, duty_officer):
    incident_report_file(actor=duty_officer, incident_id=incident.pk, kind="initial", text="初报")
    with pytest.raises(DomainError):  # no 补报 while open: that is a 续报
        incident_report_file(actor=duty_officer, incident_id=incident.pk, kind="supplementary", text="补报")
    close(incident, duty_officer, days_ago=5)
    url = f"/api/v1/incidents/{incident.pk}/"
    assert api_as(duty_officer).get(url).json()["supplementary_report_due"] is False
    body = api_as(duty_officer).patch(url, {"injuries": 3}, format="json").json()
    assert body["supplementary_report_due"] is True and "supplementary report" in body["timeline"][-1]["text"]
    # The loss alone is no casualty change.
    incident_report_file(actor=duty_officer, incident_id=incident.pk, kind="supplementary", text="补报: 伤 3 人")
    body = api_as(duty_officer).patch(url, {"direct_loss_cny": "5000"}, format="json").json()
    assert body["supplementary_report_due"] is False


def test_after_30_days_the_figures_are_final(incident, duty_officer):
    close(incident, duty_officer, days_ago=31)
    answer = api_as(duty_officer).patch(f"/api/v1/incidents/{incident.pk}/", {"deaths": 1}, format="json")
    assert answer.status_code == 409 and "final" in answer.json()["detail"]


def test_the_incident_page_shows_the_toll_the_warning_and_takes_the_figures(incident, duty_officer, client):
    client.force_login(duty_officer)
    response = client.post(f"/incidents/{incident.pk}/change/", {"action": "casualties", "deaths": "31",
                                                                 "injuries": "0", "direct_loss_cny": "0"})
    assert response.status_code == 302
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert 'id="severity-below"' in page and 'data-suggested="I"' in page
    client.post(f"/incidents/{incident.pk}/change/", {"action": "casualties", "deaths": "x", "injuries": "0",
                                                      "direct_loss_cny": "0"})
    assert Incident.objects.get(pk=incident.pk).deaths == 31
