"""An issued orange or red warning reaches the contact groups that receive its level (issue 21)."""

import pytest

from alerts import services
from notices.models import Contact, ContactGroup, Notice

pytestmark = pytest.mark.django_db


def test_orange_and_red_warnings_notify_their_groups_and_others_do_not(commander, fields):
    leaders = ContactGroup.objects.create(name="应急领导小组", warning_levels=["orange", "red"])
    leaders.members.add(Contact.objects.create(name="区长", mobile="+8613800000801"))
    yellow = services.alert_create(actor=commander, **fields(level="yellow"))
    services.alert_issue(actor=commander, alert_id=yellow.pk)
    assert not Notice.objects.exists()
    red = services.alert_create(actor=commander, **fields(level="red"))
    services.alert_issue(actor=commander, alert_id=red.pk)
    notice = Notice.objects.get(source="alert.issued")
    assert notice.title == red.headline and notice.receipts.get().mobile == "+8613800000801"
