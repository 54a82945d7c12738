"""Issue 22, point 5, through the API: the kind of reason picks the unit's next status; a
decline with neither words nor a kind is refused with a message, and nothing is written."""

from rest_framework.test import APIClient

from incidents import services


def _crew_client(unit):
    client = APIClient()
    client.force_authenticate(unit.responders.get().user)
    return client


def test_a_reason_code_takes_the_unit_out_of_service(incident, dispatcher, make_unit):
    unit = make_unit("D1", responder="d1")
    [a] = services.assignment_create(actor=dispatcher, incident_id=incident.pk, resource_ids=[unit.pk])
    crew = _crew_client(unit)
    refused = crew.post(f"/api/v1/assignments/{a.pk}/decline/", {}, format="json")
    assert refused.status_code == 400 and "reason" in refused.json()
    unknown = crew.post(f"/api/v1/assignments/{a.pk}/decline/", {"reason_code": "tired"}, format="json")
    assert unknown.status_code == 400
    a.refresh_from_db()
    assert a.status == "pending"
    answer = crew.post(f"/api/v1/assignments/{a.pk}/decline/", {"reason_code": "vehicle_fault"}, format="json")
    assert answer.status_code == 200
    assert answer.json()["status"] == "declined" and answer.json()["decline_code"] == "vehicle_fault"
    unit.refresh_from_db()
    assert unit.status == "out_of_service"


def test_a_unit_busy_elsewhere_stays_available(incident, dispatcher, make_unit):
    unit = make_unit("D2", responder="d2")
    [a] = services.assignment_create(actor=dispatcher, incident_id=incident.pk, resource_ids=[unit.pk])
    answer = _crew_client(unit).post(f"/api/v1/assignments/{a.pk}/decline/",
                                     {"reason": "在另一处执行任务", "reason_code": "busy"}, format="json")
    assert answer.status_code == 200
    unit.refresh_from_db()
    assert unit.status == "available"
