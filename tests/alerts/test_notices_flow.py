"""An issued orange or red warning reaches the contact groups that receive its level (issue 21)."""

import pytest

from alerts import services
from alerts.models import Alert
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


def test_a_warning_notifies_the_groups_it_names_once_each_whatever_its_level(commander, fields, client):
    experts = ContactGroup.objects.create(name="危化专家组")
    leaders = ContactGroup.objects.create(name="应急领导小组", warning_levels=["orange", "red"])
    both = Contact.objects.create(name="专家兼领导", mobile="+8613800000802")
    experts.members.add(both, Contact.objects.create(name="专家", mobile="+8613800000803"))
    leaders.members.add(both)
    uninvolved = ContactGroup.objects.create(name="港口组")
    uninvolved.members.add(Contact.objects.create(name="港口", mobile="+8613800000804"))

    # A yellow warning naming the experts reaches them (and only them).
    yellow = services.alert_create(actor=commander, **fields(level="yellow", notify_groups=[experts.pk]))
    services.alert_issue(actor=commander, alert_id=yellow.pk)
    notice = Notice.objects.get(source="alert.issued")
    assert sorted(notice.receipts.values_list("mobile", flat=True)) == ["+8613800000802", "+8613800000803"]

    # An orange one naming the experts also reaches the leaders; the person in both groups once.
    orange = services.alert_create(actor=commander, **fields(level="orange", notify_groups=[experts.pk]))
    services.alert_issue(actor=commander, alert_id=orange.pk)
    latest = Notice.objects.filter(source="alert.issued").latest("pk")
    assert sorted(latest.receipts.filter(channel="sms").values_list("mobile", flat=True)) == [
        "+8613800000802", "+8613800000803"]
    assert not latest.receipts.filter(mobile="+8613800000804").exists()

    # The API names the groups, and refuses an unknown one by its id without writing a draft.
    client.force_login(commander)
    drafts = Alert.objects.count()
    bad = fields(notify_groups=[experts.pk, 987654])
    bad["expires"] = bad["expires"].isoformat()
    response = client.post("/api/v1/alerts/", bad, content_type="application/json")
    assert response.status_code == 400 and "987654" in str(response.json()["notify_groups"])
    assert Alert.objects.count() == drafts
    ok = fields(notify_groups=[leaders.pk])
    ok["expires"] = ok["expires"].isoformat()
    created = client.post("/api/v1/alerts/", ok, content_type="application/json")
    assert created.status_code == 201 and created.json()["notify_groups"] == [leaders.pk]
    edited = client.patch(f"/api/v1/alerts/{created.json()['id']}/", {"notify_groups": [experts.pk]},
                          content_type="application/json")
    assert edited.status_code == 200 and edited.json()["notify_groups"] == [experts.pk]
    assert client.patch(f"/api/v1/alerts/{created.json()['id']}/", {"notify_groups": "x"},
                        content_type="application/json").status_code == 400
