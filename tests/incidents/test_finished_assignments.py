"""Acting on a finished assignment (issue 16, point 8) and what a stranger learns (point 12)."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from core.errors import DomainError
from incidents import services
from incidents.models import Assignment

from .conftest import LAT, LON


@pytest.fixture
def sent(dispatcher, make_unit, fire_type, duty_officer):
    unit = make_unit("F1", responder="f1")
    incident = services.incident_log(actor=duty_officer, type_code="fire", severity="III", lon=LON, lat=LAT)
    [assignment] = services.assignment_create(actor=dispatcher, incident_id=incident.pk, resource_ids=[unit.pk])
    return assignment, unit.responders.get().user


def _api(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_acknowledging_a_declined_assignment_is_409_even_after_an_acknowledgement(sent):
    assignment, me = sent
    api = _api(me)
    assert api.post(f"/api/v1/assignments/{assignment.pk}/acknowledge/").status_code == 200
    assert api.post(f"/api/v1/assignments/{assignment.pk}/decline/", {"reason": "engine broken"},
                    format="json").status_code == 200
    again = api.post(f"/api/v1/assignments/{assignment.pk}/acknowledge/")
    assert again.status_code == 409 and "Declined" in again.json()["detail"]
    assert Assignment.objects.get(pk=assignment.pk).status == "declined"


def test_acknowledging_a_cleared_assignment_is_409_and_a_double_tap_still_harmless(sent):
    assignment, me = sent
    api = _api(me)
    assert api.post(f"/api/v1/assignments/{assignment.pk}/acknowledge/").status_code == 200
    assert api.post(f"/api/v1/assignments/{assignment.pk}/acknowledge/").status_code == 200  # double tap
    assert api.post(f"/api/v1/assignments/{assignment.pk}/status/", {"status": "cleared"},
                    format="json").status_code == 200
    assert api.post(f"/api/v1/assignments/{assignment.pk}/acknowledge/").status_code == 409
    # The HTML form for the responder page says the same.
    from django.test import Client

    client = Client()
    client.force_login(me)
    page = client.post(f"/incidents/assignments/{assignment.pk}/act/", {"action": "acknowledge"},
                       HTTP_X_REQUESTED_WITH="fetch")
    assert page.status_code == 409


@pytest.mark.django_db(transaction=True)
def test_five_acknowledges_and_five_declines_at_once_leave_one_consistent_end(make_user, make_unit, fire_type):
    officer = make_user("race_duty", "duty_officer")
    dispatcher = make_user("race_dispatcher", "dispatcher")
    unit = make_unit("RACE", responder="race_r")
    me = unit.responders.get().user
    incident = services.incident_log(actor=officer, type_code="fire", severity="IV", lon=LON, lat=LAT)
    [assignment] = services.assignment_create(actor=dispatcher, incident_id=incident.pk, resource_ids=[unit.pk])
    barrier = threading.Barrier(10)
    outcomes = []

    def act(kind):
        barrier.wait()
        try:
            if kind == "ack":
                done = services.assignment_acknowledge(actor=me, assignment_id=assignment.pk)
            else:
                done = services.assignment_decline(actor=me, assignment_id=assignment.pk, reason="no crew")
            outcomes.append((kind, 200, done.status))
        except DomainError as exc:
            outcomes.append((kind, exc.status, None))
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=(k,)) for k in ["ack", "decline"] * 5]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 10
    # Exactly one decline wins; every acknowledgement either came first or is refused with 409.
    assert sorted(s for k, s, _ in outcomes if k == "decline") == [200, 409, 409, 409, 409]
    assert all(s in (200, 409) for k, s, _ in outcomes if k == "ack")
    assert all(st in Assignment.ACTIVE_STATUSES for k, s, st in outcomes if k == "ack" and s == 200)
    assignment.refresh_from_db()
    assert assignment.status == "declined"
    kinds = list(incident.timeline.order_by("at", "id").values_list("kind", flat=True))
    assert kinds.count("declined") == 1 and kinds.count("acknowledged") <= 1
    assert "acknowledged" not in kinds[kinds.index("declined"):]


def test_a_stranger_gets_the_same_404_for_reading_and_acting(sent, make_unit):
    assignment, _me = sent
    other = make_unit("F2", responder="f2").responders.get().user
    api = _api(other)
    read = api.get(f"/api/v1/assignments/{assignment.pk}/")
    missing = api.post("/api/v1/assignments/999999/acknowledge/")
    assert read.status_code == 404 and missing.status_code == 404
    for action, body in (("acknowledge", None), ("decline", {"reason": "x"}), ("status", {"status": "en_route"})):
        answer = api.post(f"/api/v1/assignments/{assignment.pk}/{action}/", body, format="json")
        assert answer.status_code == 404, action
        assert answer.json()["detail"] == f"No assignment {assignment.pk}."
    assert api.post("/api/v1/assignments/999999/decline/", {"reason": "x"}, format="json").json()["detail"] == (
        "No assignment 999999.")
    assert Assignment.objects.get(pk=assignment.pk).status == "pending"
