"""An unacknowledged HH alarm notifies the point's responsible persons and the duty chief by SMS
(issue 21, point 4)."""

import datetime as dt

import pytest
from django.utils import timezone

from monitoring import services, store
from monitoring.models import Alarm
from monitoring.parsing import RawReading
from notices.models import Contact, Notice
from plans.models import DutyPost, Shift

pytestmark = pytest.mark.django_db


def test_an_escalated_hh_alarm_reaches_the_responsible_persons_and_the_duty_chief(make_point, make_user):
    owner = make_user("tank_owner_n")
    chief = make_user("chief_n", "commander")
    Contact.objects.create(name="罐区负责人", mobile="+8613800000701", user=owner)
    Contact.objects.create(name="带班领导", mobile="+8613800000702", user=chief)
    post = DutyPost.objects.create(code="LEAD", name="带班领导", role="commander")
    now = timezone.now()
    Shift.objects.create(post=post, person=chief, start=now - dt.timedelta(hours=1), end=now + dt.timedelta(hours=8))
    point = make_point("GASN")
    point.responsible.add(owner)
    start = now - dt.timedelta(seconds=30)
    store.readings_store(readings=[RawReading("GASN", start + dt.timedelta(seconds=s), 50, True) for s in range(6)])
    alarm = Alarm.objects.get(point=point)
    services.alarm_escalate(alarm_id=alarm.pk)
    notice = Notice.objects.get(source="alarm.hh")
    sms = dict(notice.receipts.filter(channel="sms").values_list("name", "mobile"))
    assert sms == {"罐区负责人": "+8613800000701", "带班领导": "+8613800000702"}
    assert "GASN" in notice.body
