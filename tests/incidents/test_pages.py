import pytest

from incidents.models import Assignment, Incident

from .conftest import LAT, LON

PASSWORD = "test-pass-123"


def _login(client, user):
    client.force_login(user)
    return client


def test_responder_opening_the_console_is_refused(client, make_unit):
    user = make_unit("U", responder="r").responders.get().user
    _login(client, user)
    for url in ("/incidents/", "/incidents/new/", "/incidents/board/", "/incidents/metrics/"):
        assert client.get(url).status_code == 403, url
    assert client.get("/incidents/responder/").status_code == 200


def test_console_user_cannot_open_the_responder_page(client, dispatcher):
    assert _login(client, dispatcher).get("/incidents/responder/").status_code == 403


def test_outsider_without_role_is_told_so(client, outsider):
    response = _login(client, outsider).get("/", follow=True)
    assert response.status_code == 200 and "no role" in response.content.decode().lower()


def test_intake_form_logs_and_shows_errors(client, duty_officer, fire_type):
    _login(client, duty_officer)
    page = client.post("/incidents/new/", {"type": "fire", "severity": "III", "lon": "abc", "lat": "22.7"})
    assert page.status_code == 200 and "must be numbers" in page.content.decode()
    assert not Incident.objects.exists()
    response = client.post("/incidents/new/", {"type": "fire", "severity": "III", "lon": str(LON), "lat": str(LAT),
                                               "title": "<script>alert(1)</script>", "caller_name": "赵六"})
    incident = Incident.objects.get()
    assert response.status_code == 302 and response.url == f"/incidents/{incident.pk}/"
    detail = client.get(response.url).content.decode()
    assert "<script>alert(1)</script>" not in detail and "&lt;script&gt;alert(1)&lt;/script&gt;" in detail
    assert incident.number in detail


def test_duplicates_fragment_and_record_call(client, duty_officer, incident):
    _login(client, duty_officer)
    html = client.get(f"/incidents/duplicates/?type=fire&lon={LON + 0.002}&lat={LAT}").content.decode()
    assert incident.number in html
    assert client.get(f"/incidents/duplicates/?type=fire&lon={LON + 0.01}&lat={LAT}").content.decode().strip() == ""
    client.post(f"/incidents/{incident.pk}/record-call/", {"caller_name": "钱七", "note": "still burning"})
    assert incident.timeline.filter(kind="call", text__contains="钱七").exists()


def test_detail_offers_only_allowed_transitions_and_dispatch(client, dispatcher, incident, make_unit):
    unit = make_unit("U9")
    html = _login(client, dispatcher).get(f"/incidents/{incident.pk}/").content.decode()
    assert 'data-status="dispatched"' in html and 'data-status="closed"' in html
    assert 'data-status="contained"' not in html
    assert f'value="{unit.pk}"' in html
    client.post(f"/incidents/{incident.pk}/dispatch/", {"resources": [unit.pk]})
    assert Assignment.objects.filter(resource=unit, status="pending").exists()
    # A forbidden transition through the form: refused with a message, nothing changed.
    response = client.post(f"/incidents/{incident.pk}/change/", {"action": "status", "status": "reported"}, follow=True)
    assert "cannot go from" in response.content.decode()


def test_responder_acts_through_the_page(client, dispatcher, incident, make_unit):
    unit = make_unit("R1", responder="rr")
    from incidents import services

    [a] = services.assignment_create(actor=dispatcher, incident_id=incident.pk, resource_ids=[unit.pk])
    _login(client, unit.responders.get().user)
    html = client.get("/incidents/responder/").content.decode()
    assert incident.number in html and 'value="acknowledge"' in html
    r = client.post(f"/incidents/assignments/{a.pk}/act/", {"action": "acknowledge"}, HTTP_X_REQUESTED_WITH="fetch")
    assert r.status_code == 200
    r = client.post(f"/incidents/assignments/{a.pk}/act/", {"action": "decline", "reason": ""}, HTTP_X_REQUESTED_WITH="fetch")
    assert r.status_code == 400 and "Say why" in r.json()["detail"]


def test_board_and_metrics_render(client, viewer, incident, make_unit):
    make_unit("B1")
    _login(client, viewer)
    assert "Unit B1" in client.get("/incidents/board/").content.decode()
    assert client.get("/incidents/metrics/?start=2020-01-01&end=2030-01-01").status_code == 200
    assert client.get("/incidents/metrics/?start=garbage").status_code == 200


@pytest.mark.parametrize("url", ["/incidents/", "/incidents/board/", "/incidents/responder/"])
def test_anonymous_is_sent_to_login(client, url, db):
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response.url
