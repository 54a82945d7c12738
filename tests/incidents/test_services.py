import threading

import pytest
from django.db import connection
from procrastinate.contrib.django.models import ProcrastinateJob

from core.errors import DomainError
from core.models import Event
from incidents import selectors, services
from incidents.models import Assignment, Incident, TimelineEntry
from resources.models import Resource

from .conftest import LAT, LON


def test_logging_an_incident_numbers_it_records_the_timeline_and_emits(incident, duty_officer):
    assert incident.number.endswith("-000001") and incident.status == "reported"
    assert incident.timeline.get().kind == "logged"
    event = Event.objects.get(type="incident.created")
    assert event.payload["number"] == incident.number
    assert event.payload["location"] == {"type": "Point", "coordinates": [LON, LAT]}
    second = services.incident_log(actor=duty_officer, type_code="fire", severity="IV", lon=LON, lat=LAT)
    assert second.number.endswith("-000002")


@pytest.mark.parametrize("lon,lat,message", [
    ("abc", "22.7", "must be numbers"), ("nan", "22.7", "finite"), ("200", "22.7", "Longitude"),
    ("113.6", "-91", "Latitude"), (None, "22", "must be numbers"), ("inf", "22", "finite"),
])
def test_bad_coordinates_are_refused_and_nothing_is_written(fire_type, duty_officer, lon, lat, message):
    with pytest.raises(DomainError, match=message):
        services.incident_log(actor=duty_officer, type_code="fire", severity="IV", lon=lon, lat=lat)
    assert not Incident.objects.exists() and not Event.objects.exists()


def test_unknown_type_and_wrong_role_are_refused(fire_type, duty_officer, viewer):
    with pytest.raises(DomainError, match="Unknown incident type"):
        services.incident_log(actor=duty_officer, type_code="volcano", severity="IV", lon=LON, lat=LAT)
    with pytest.raises(DomainError) as exc:
        services.incident_log(actor=viewer, type_code="fire", severity="IV", lon=LON, lat=LAT)
    assert exc.value.status == 403


def test_status_follows_the_allowed_transitions_only(incident, duty_officer):
    with pytest.raises(DomainError, match="cannot go from") as exc:
        services.incident_change_status(actor=duty_officer, incident_id=incident.pk, status="contained")
    assert exc.value.status == 409
    services.incident_change_status(actor=duty_officer, incident_id=incident.pk, status="closed", note="false alarm")
    incident.refresh_from_db()
    assert incident.status == "closed" and incident.closed_at is not None
    assert incident.timeline.filter(kind="status").exists()


def test_severity_change_is_recorded(incident, duty_officer):
    services.incident_change_severity(actor=duty_officer, incident_id=incident.pk, severity="II", reason="spreading")
    entry = incident.timeline.get(kind="severity")
    assert entry.data == {"old": "III", "new": "II"} and "Ⅲ → Ⅱ" in entry.text and "spreading" in entry.text


def test_recommendation_orders_by_distance_and_filters_status_and_capability(incident, make_unit):
    near = make_unit("N", lon=LON + 0.001)
    far = make_unit("F", lon=LON + 0.05)
    make_unit("B", lon=LON + 0.0005, status="dispatched")
    make_unit("A", lon=LON + 0.0002, kind="ambulance", caps=("ems",))
    recs = selectors.units_recommend(incident=incident, limit=5)
    assert [r.resource for r in recs] == [near, far]
    assert 95 < recs[0].distance_m < 110  # 0.001° of longitude at 22.75° N ≈ 102.6 m
    assert recs[0].eta_s == round(recs[0].distance_m * 1.3 / (40 / 3.6))


def test_dispatch_books_units_defers_escalation_and_emits_to_the_unit(incident, dispatcher, make_unit):
    unit = make_unit("U1", responder="r1")
    [assignment] = services.assignment_create(actor=dispatcher, incident_id=incident.pk, resource_ids=[unit.pk])
    unit.refresh_from_db()
    incident.refresh_from_db()
    assert unit.status == "dispatched" and incident.status == "dispatched"
    event = Event.objects.get(type="assignment.created")
    assert f"unit:{unit.pk}" in event.audiences and "console" in event.audiences
    assert event.payload["id"] == assignment.pk and event.payload["incident"]["number"] == incident.number
    job = ProcrastinateJob.objects.get(task_name="incidents.escalate_unacknowledged",
                                       args={"assignment_id": assignment.pk})
    assert job.status == "todo" and job.scheduled_at is not None


def test_dispatch_of_an_unavailable_unit_names_it_and_writes_nothing(incident, dispatcher, make_unit):
    free = make_unit("FREE")
    busy = make_unit("BUSY")
    services.assignment_create(actor=dispatcher, incident_id=incident.pk, resource_ids=[busy.pk])
    before = (Assignment.objects.count(), Event.objects.count(), TimelineEntry.objects.count())
    with pytest.raises(DomainError) as exc:
        services.assignment_create(actor=dispatcher, incident_id=incident.pk, resource_ids=[free.pk, busy.pk])
    assert exc.value.status == 409
    assert "Unit BUSY" in exc.value.message and "dispatcher_t" in exc.value.message
    assert (Assignment.objects.count(), Event.objects.count(), TimelineEntry.objects.count()) == before
    free.refresh_from_db()
    assert free.status == "available"


def test_only_dispatch_roles_dispatch(incident, duty_officer, make_unit):
    unit = make_unit("U1")
    with pytest.raises(DomainError) as exc:
        services.assignment_create(actor=duty_officer, incident_id=incident.pk, resource_ids=[unit.pk])
    assert exc.value.status == 403


def test_responder_lifecycle_and_only_their_own_unit(incident, dispatcher, make_unit):
    mine = make_unit("M", responder="me")
    other = make_unit("O", responder="other")
    [a] = services.assignment_create(actor=dispatcher, incident_id=incident.pk, resource_ids=[mine.pk])
    me = mine.responders.get().user
    intruder = other.responders.get().user
    with pytest.raises(DomainError) as exc:
        services.assignment_acknowledge(actor=intruder, assignment_id=a.pk)
    assert exc.value.status == 404  # another unit's assignment: as if it did not exist
    services.assignment_acknowledge(actor=me, assignment_id=a.pk)
    services.assignment_acknowledge(actor=me, assignment_id=a.pk)  # double tap is harmless
    services.assignment_set_status(actor=me, assignment_id=a.pk, status="en_route")
    services.assignment_set_status(actor=me, assignment_id=a.pk, status="on_scene")
    incident.refresh_from_db()
    assert incident.status == "in_progress"
    services.assignment_set_status(actor=me, assignment_id=a.pk, status="cleared")
    mine.refresh_from_db()
    a.refresh_from_db()
    assert mine.status == "available" and a.status == "cleared"
    kinds = list(incident.timeline.values_list("kind", flat=True))
    assert kinds == ["logged", "dispatch", "acknowledged", "en_route", "on_scene", "cleared"]
    with pytest.raises(DomainError):
        services.assignment_set_status(actor=me, assignment_id=a.pk, status="on_scene")


def test_decline_needs_a_reason_and_frees_a_unit_busy_elsewhere(incident, dispatcher, make_unit):
    unit = make_unit("D", responder="d")
    [a] = services.assignment_create(actor=dispatcher, incident_id=incident.pk, resource_ids=[unit.pk])
    user = unit.responders.get().user
    with pytest.raises(DomainError, match="Say why"):
        services.assignment_decline(actor=user, assignment_id=a.pk, reason="  ")
    services.assignment_decline(actor=user, assignment_id=a.pk, reason="still at the training ground")
    unit.refresh_from_db()
    a.refresh_from_db()
    assert unit.status == "available" and a.decline_code == "other"
    assert "still at the training ground" in incident.timeline.get(kind="declined").text


@pytest.mark.parametrize(("reason", "code"), [("车辆故障", None), ("vehicle broken down", None), ("", "no_crew"),
                                              ("水泵", "vehicle_fault")])
def test_a_broken_vehicle_declines_out_of_service_and_the_incident_needs_units_again(
        incident, dispatcher, make_unit, reason, code):
    """Issue 22, point 5: a unit that declines for a breakdown is not 可用 again, and an incident
    left without units says so instead of staying 已调派."""
    unit = make_unit("D", responder="d")
    [a] = services.assignment_create(actor=dispatcher, incident_id=incident.pk, resource_ids=[unit.pk])
    incident.refresh_from_db()
    assert incident.status == "dispatched"
    services.assignment_decline(actor=unit.responders.get().user, assignment_id=a.pk, reason=reason, code=code)
    unit.refresh_from_db()
    incident.refresh_from_db()
    assert unit.status == "out_of_service"
    assert incident.status == "reported"
    assert "needs units again" in incident.timeline.filter(kind="status").last().text
    # Nobody recommends it meanwhile; a dispatcher puts it back once repaired.
    assert unit.pk not in [r.resource.pk for r in selectors.units_search(incident=incident)]
    with pytest.raises(DomainError) as refused:
        services.resource_return_to_service(actor=incident.created_by, resource_id=unit.pk)
    assert refused.value.status == 403
    services.resource_return_to_service(actor=dispatcher, resource_id=unit.pk)
    unit.refresh_from_db()
    assert unit.status == "available"
    with pytest.raises(DomainError) as again:
        services.resource_return_to_service(actor=dispatcher, resource_id=unit.pk)
    assert again.value.status == 409


def test_escalation_repushes_and_records_only_while_unacknowledged(incident, dispatcher, make_unit, settings):
    unit = make_unit("E", responder="e")
    [a] = services.assignment_create(actor=dispatcher, incident_id=incident.pk, resource_ids=[unit.pk])
    services.assignment_escalate(assignment_id=a.pk)
    a.refresh_from_db()
    assert a.escalations == 1
    event = Event.objects.get(type="assignment.escalated")
    assert {"console", "duty", f"unit:{unit.pk}"} <= set(event.audiences)
    assert incident.timeline.filter(kind="escalated").count() == 1
    # The next round is scheduled.
    jobs = ProcrastinateJob.objects.filter(task_name="incidents.escalate_unacknowledged", status="todo",
                                           args={"assignment_id": a.pk})
    assert jobs.count() == 2
    services.assignment_acknowledge(actor=unit.responders.get().user, assignment_id=a.pk)
    assert services.assignment_escalate(assignment_id=a.pk) is None
    assert incident.timeline.filter(kind="escalated").count() == 1


def test_duplicates_same_class_within_500m_and_2h(incident, fire_type, duty_officer):
    from django.contrib.gis.geos import Point

    near = Point(LON + 0.003, LAT, srid=4326)   # ≈ 308 m
    far = Point(LON + 0.006, LAT, srid=4326)    # ≈ 615 m
    assert selectors.incidents_possible_duplicates(incident_type=fire_type, location=near) == [incident]
    assert selectors.incidents_possible_duplicates(incident_type=fire_type, location=far) == []
    services.incident_record_call(actor=duty_officer, incident_id=incident.pk, caller_name="李四", note="smoke seen")
    assert "李四" in incident.timeline.get(kind="call").text


def test_metrics_summary_computes_percentiles(incident, dispatcher, make_unit):
    from datetime import timedelta

    from django.utils import timezone

    unit = make_unit("M1", responder="m1")
    [a] = services.assignment_create(actor=dispatcher, incident_id=incident.pk, resource_ids=[unit.pk])
    services.assignment_acknowledge(actor=unit.responders.get().user, assignment_id=a.pk)
    now = timezone.now()
    rows = selectors.metrics_summary(start=now - timedelta(days=1), end=now + timedelta(days=1))
    assert rows[0]["n"] == 1 and rows[0]["dispatch_to_ack_p50"] is not None
    steps = {s["key"]: s for s in selectors.incident_milestones(incident)["steps"]}
    assert steps["first_ack"]["at"] is not None and steps["first_on_scene"]["at"] is None


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_one_wins_the_other_gets_409(make_user, make_unit, fire_type):
    d1 = make_user("d1", "dispatcher")
    d2 = make_user("d2", "dispatcher")
    unit = make_unit("RACE")
    incidents = [services.incident_log(actor=d1, type_code="fire", severity="IV", lon=LON, lat=LAT) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes = {}

    def send(user, incident):
        barrier.wait()
        try:
            services.assignment_create(actor=user, incident_id=incident.pk, resource_ids=[unit.pk])
            outcomes[user.username] = "ok"
        except DomainError as exc:
            outcomes[user.username] = (exc.status, exc.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(u, i)) for u, i in zip((d1, d2), incidents, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(str(v if v == "ok" else v[0]) for v in outcomes.values()) == ["409", "ok"]
    loser = next(v for v in outcomes.values() if v != "ok")
    assert "Unit RACE" in loser[1]
    assert Assignment.objects.filter(resource=unit).count() == 1
    assert Resource.objects.get(pk=unit.pk).status == "dispatched"
