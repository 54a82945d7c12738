"""Console pages of park monitoring: who may see them, and what they show."""

import datetime as dt

import pytest

from monitoring import services
from monitoring.models import Alarm
from monitoring.parsing import RawReading
from tests.conftest import PASSWORD


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


@pytest.fixture
def alarm(make_point):
    make_point("GAS1")
    base = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    services.readings_store(readings=[RawReading("GAS1", base + dt.timedelta(seconds=s), 30, True) for s in range(6)])
    return Alarm.objects.get()


@pytest.mark.parametrize("url", ["/monitoring/", "/monitoring/alarms/", "POINT"])
def test_console_roles_see_the_pages_others_do_not(client, alarm, viewer, outsider, make_user, url):
    url = f"/monitoring/points/{alarm.point_id}/" if url == "POINT" else url
    assert client.get(url).status_code == 302  # to the login page
    login(client, outsider)
    assert client.get(url).status_code == 403
    client.logout()
    login(client, make_user("crew_t", "responder"))
    assert client.get(url).status_code == 403
    client.logout()
    login(client, viewer)
    response = client.get(url)
    assert response.status_code == 200
    assert "GAS1" in response.content.decode()


def test_the_alarm_list_filters_and_every_console_page_carries_the_alarm_bar(client, alarm, duty_officer):
    login(client, duty_officer)
    page = client.get("/monitoring/alarms/?state=open&level=h").content.decode()
    assert f'data-alarm-row="{alarm.pk}"' in page
    assert f'data-alarm-row="{alarm.pk}"' not in client.get("/monitoring/alarms/?level=hh").content.decode()
    incidents_page = client.get("/incidents/").content.decode()
    assert 'id="alarm-bar"' in incidents_page and 'data-can-act="1"' in incidents_page
    assert "monitoring/alarms.js" in incidents_page
