import datetime as dt
import io
import re

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from icalendar import Calendar

from core.errors import DomainError
from core.models import Event
from plans import selectors, services
from plans.ical import roster_calendar
from plans.models import DutyPost, Handover, Shift
from plans.services import activation as activation_services
from tests.plans.conftest import make_incident


@pytest.fixture
def posts(db):
    return (DutyPost.objects.create(code="LEAD", name="带班领导", order=1),
            DutyPost.objects.create(code="OFFICER", name="值班员", order=2))


def hours(n):
    return dt.timedelta(hours=n)


def test_overlapping_shift_for_one_person_is_refused(posts, planner, duty_officer):
    lead, officer = posts
    start = timezone.now().replace(minute=0, second=0, microsecond=0)
    services.shift_create(actor=planner, post_id=officer.pk, person_id=duty_officer.pk, start=start, end=start + hours(8))
    with pytest.raises(DomainError) as err:
        services.shift_create(actor=planner, post_id=lead.pk, person_id=duty_officer.pk,
                              start=start + hours(4), end=start + hours(12))
    assert err.value.status == 409 and "already has a shift on 值班员" in err.value.message
    # Back to back is fine: ranges are half-open.
    services.shift_create(actor=planner, post_id=lead.pk, person_id=duty_officer.pk,
                          start=start + hours(8), end=start + hours(16))
    assert Shift.objects.count() == 2


def test_the_database_itself_refuses_overlaps_and_backwards_shifts(posts, duty_officer):
    _, officer = posts
    start = timezone.now()
    Shift.objects.create(post=officer, person=duty_officer, start=start, end=start + hours(8))
    with pytest.raises(IntegrityError), transaction.atomic():
        Shift.objects.create(post=officer, person=duty_officer, start=start + hours(1), end=start + hours(2))
    with pytest.raises(IntegrityError), transaction.atomic():
        Shift.objects.create(post=officer, person=duty_officer, start=start + hours(20), end=start + hours(19))


def test_shift_ending_before_it_starts_is_refused(posts, planner, duty_officer):
    start = timezone.now()
    with pytest.raises(DomainError) as err:
        services.shift_create(actor=planner, post_id=posts[0].pk, person_id=duty_officer.pk,
                              start=start, end=start - hours(1))
    assert "must end after it starts" in err.value.message
    with pytest.raises(DomainError) as err:
        services.shift_create(actor=duty_officer, post_id=posts[0].pk, person_id=duty_officer.pk,
                              start=start, end=start + hours(1))
    assert err.value.status == 403
    assert not Shift.objects.exists()


def test_on_duty_now_and_the_duty_audience_selectors(posts, duty_officer, dispatcher, commander):
    lead, officer = posts
    now = timezone.now()
    Shift.objects.create(post=officer, person=duty_officer, start=now - hours(2), end=now + hours(6))
    Shift.objects.create(post=lead, person=commander, start=now - hours(10), end=now - hours(2))
    Shift.objects.create(post=lead, person=dispatcher, start=now + hours(1), end=now + hours(9))
    assert [s.person for s in selectors.on_duty_now()] == [duty_officer]
    assert selectors.on_duty_user_ids() == {duty_officer.pk}
    assert selectors.on_duty_user_ids(at=now + hours(2)) == {duty_officer.pk, dispatcher.pk}
    assert selectors.is_on_duty(duty_officer) and not selectors.is_on_duty(commander)
    assert selectors.is_on_duty(commander, at=now - hours(5))


def test_gaps_list_uncovered_hours_of_posts_that_need_cover(posts, duty_officer, dispatcher):
    lead, officer = posts
    start = timezone.now().replace(minute=0, second=0, microsecond=0)
    Shift.objects.create(post=officer, person=duty_officer, start=start - hours(1), end=start + hours(12))
    Shift.objects.create(post=officer, person=dispatcher, start=start + hours(14), end=start + hours(48))
    lead.requires_cover = False
    lead.save()
    gaps = selectors.roster_gaps(start, days=2)
    assert [(g.post.code, g.start, g.end) for g in gaps] == [("OFFICER", start + hours(12), start + hours(14))]
    assert gaps[0].hours == 2.0


def test_handover_attaches_open_incidents_and_tasks_and_incoming_confirms(
        posts, plan, hazmat_type, duty_officer, dispatcher, commander):
    _, officer = posts
    now = timezone.now()
    Shift.objects.create(post=officer, person=duty_officer, start=now - hours(7), end=now + hours(1))
    Shift.objects.create(post=officer, person=dispatcher, start=now + hours(1), end=now + hours(9))
    incident = make_incident(duty_officer, hazmat_type)
    closed = make_incident(duty_officer, hazmat_type, status="closed", closed_at=now)
    activation_services.plan_activate(actor=commander, incident_id=incident.pk, plan_id=plan.pk, level="IV")

    with pytest.raises(DomainError):
        services.handover_create(actor=duty_officer, note="  ")
    handover = services.handover_create(actor=duty_officer, note="园区泄漏仍在处置，注意下风向疏散。")
    assert handover.incoming == dispatcher
    assert incident in handover.incidents.all() and closed not in handover.incidents.all()
    assert handover.tasks.count() == 2
    event = Event.objects.get(type="handover.created")
    assert f"user:{dispatcher.pk}" in event.audiences

    with pytest.raises(DomainError) as err:
        services.handover_confirm(actor=commander, handover_id=handover.pk)
    assert err.value.status == 403
    services.handover_confirm(actor=dispatcher, handover_id=handover.pk)
    handover.refresh_from_db()
    assert handover.confirmed_at is not None
    with pytest.raises(DomainError) as err:
        services.handover_confirm(actor=dispatcher, handover_id=handover.pk)
    assert err.value.status == 409
    with pytest.raises(DomainError) as err:
        services.handover_create(actor=duty_officer, note="again")
    assert "already been handed over" in err.value.message


def test_handover_without_a_next_officer_is_refused(posts, duty_officer, dispatcher):
    now = timezone.now()
    Shift.objects.create(post=posts[1], person=duty_officer, start=now - hours(7), end=now + hours(1))
    with pytest.raises(DomainError) as err:
        services.handover_create(actor=duty_officer, note="note")
    assert "Nobody is on the roster" in err.value.message
    with pytest.raises(DomainError) as err:
        services.handover_create(actor=dispatcher, note="note")
    assert "no shift" in err.value.message
    assert not Handover.objects.exists()


class Upload(io.BytesIO):
    name = "roster.csv"


def test_roster_csv_import_with_a_message_per_bad_row(posts, planner, duty_officer, dispatcher):
    good = ("post,username,start,end\n"
            "OFFICER,duty_t,2026-03-01 08:00,2026-03-01 20:00\n"
            "OFFICER,dispatcher_t,2026-03-01 20:00,2026-03-02 08:00\n"
            "LEAD,duty_t,2026-03-02 08:00,2026-03-02 20:00\n")
    assert services.roster_import(actor=planner, upload=Upload(good.encode("utf-8-sig"))) == (3, [])
    first = Shift.objects.order_by("start").first()
    assert timezone.localtime(first.start).hour == 8 and first.person == duty_officer

    bad = ("post,username,start,end\n"
           "OFFICER,duty_t,2026-03-03 08:00,2026-03-03 20:00\n"      # fine alone
           "NOPE,duty_t,2026-03-04 08:00,2026-03-04 20:00\n"         # unknown post
           "OFFICER,ghost,2026-03-04 08:00,2026-03-04 20:00\n"       # unknown person
           "OFFICER,dispatcher_t,2026-03-05 20:00,2026-03-05 08:00\n"  # ends before it starts
           "LEAD,duty_t,2026-03-01 10:00,2026-03-01 12:00\n"         # overlaps an existing shift
           "LEAD,duty_t,2026-03-03 19:00,2026-03-03 21:00\n"         # overlaps row 2 of this file
           "OFFICER,duty_t,tomorrow,2026-03-06 08:00\n")             # not a time
    created, errors = services.roster_import(actor=planner, upload=Upload(bad.encode()))
    assert created == 0
    assert [e.split(":")[0] for e in errors] == ["Row 3", "Row 4", "Row 5", "Row 6", "Row 7", "Row 8"]
    assert "must end after it starts" in errors[2] and "already has a shift" in errors[3]
    assert "overlaps row 2" in errors[4]
    assert Shift.objects.count() == 3

    with pytest.raises(DomainError) as err:
        services.roster_import(actor=planner, upload=Upload(b"name,when\nx,y\n"))
    assert "missing: post, username, start, end" in err.value.message
    with pytest.raises(DomainError) as err:
        services.roster_import(actor=duty_officer, upload=Upload(good.encode()))
    assert err.value.status == 403


def test_icalendar_feed_lists_a_persons_shifts(posts, duty_officer, dispatcher):
    now = timezone.now().replace(microsecond=0)
    mine = Shift.objects.create(post=posts[1], person=duty_officer, start=now, end=now + hours(8))
    Shift.objects.create(post=posts[1], person=dispatcher, start=now + hours(8), end=now + hours(16))
    cal = Calendar.from_ical(roster_calendar(duty_officer, host="example.org"))
    events = cal.walk("VEVENT")
    assert len(events) == 1
    assert str(events[0]["uid"]) == f"shift-{mine.pk}@example.org"
    assert events[0].decoded("dtstart") == now and events[0].decoded("dtend") == now + hours(8)
    assert "值班员" in str(events[0]["summary"])
    assert cal["version"] == "2.0" and "prodid" in cal


# --- issue 13 point 17: who may stand a post, listed by name ---------------------------

def test_a_viewer_cannot_stand_a_duty_post(planner, viewer, duty_officer):
    officer = DutyPost.objects.create(code="OFFICER17", name="值班员", role="duty_officer")
    start = timezone.now() + dt.timedelta(days=3)
    with pytest.raises(DomainError) as err:
        services.shift_create(actor=planner, post_id=officer.pk, person_id=viewer.pk, start=start,
                              end=start + dt.timedelta(hours=8))
    assert "cannot stand the 值班员 post: it needs the role Duty officer" in err.value.message
    anyone = DutyPost.objects.create(code="TECH17", name="技术保障")  # no role: any duty role, not a viewer
    with pytest.raises(DomainError) as err:
        services.shift_create(actor=planner, post_id=anyone.pk, person_id=viewer.pk, start=start,
                              end=start + dt.timedelta(hours=8))
    assert "has no duty role" in err.value.message
    assert services.shift_create(actor=planner, post_id=officer.pk, person_id=duty_officer.pk, start=start,
                                 end=start + dt.timedelta(hours=8)).person == duty_officer


def test_admin_shift_form_lists_people_by_name_and_refuses_the_wrong_role(client, planner, viewer, make_user):
    from core import roles

    for username, first in (("responder10", ""), ("duty10", ""), ("duty2", ""), ("duty_zhang", "张值班")):
        make_user(username, roles.DUTY_OFFICER).__class__.objects.filter(username=username).update(first_name=first)
    officer = DutyPost.objects.create(code="OFFICER17", name="值班员", role="duty_officer")
    client.force_login(planner)
    page = client.get("/admin/plans/shift/add/").content.decode()
    person_select = page[page.index('name="person"'):]
    person_select = person_select[:person_select.index("</select>")]
    labels = re.findall(r'<option value="\d+"[^>]*>([^<]*)</option>', person_select)
    assert "viewer_t" not in " ".join(labels)  # a viewer stands no post
    assert labels.index("duty2") < labels.index("duty10") < labels.index("responder10")  # natural order
    assert "张值班 (duty_zhang)" in labels
    response = client.post("/admin/plans/shift/add/", {
        "post": officer.pk, "person": planner.pk,
        "start_0": "2031-03-01", "start_1": "08:00:00", "end_0": "2031-03-01", "end_1": "20:00:00"})
    assert response.status_code == 200
    assert "needs the role Duty officer" in str(response.context["adminform"].form.errors["person"])
    assert not Shift.objects.filter(post=officer).exists()


def test_roster_import_refuses_a_person_without_the_posts_role(planner, viewer, duty_officer):
    DutyPost.objects.create(code="OFFICER17", name="值班员", role="duty_officer")
    text = ("post,username,start,end\n"
            f"OFFICER17,{viewer.username},2031-04-01 08:00,2031-04-01 20:00\n")
    created, errors = services.roster_import(actor=planner, upload=Upload(text.encode()))
    assert created == 0 and "Row 2" in errors[0] and "needs the role Duty officer" in errors[0]
