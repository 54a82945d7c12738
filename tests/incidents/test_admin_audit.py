from datetime import timedelta

import pytest
from django.utils import timezone

from plans.models import DutyPost, Handover, Shift
from plans.services.duty import handover_confirm, handover_create
from resources.models import Responder


def test_incidents_and_assignments_cannot_be_deleted_in_the_admin(client, make_user, incident):
    admin = make_user("root", staff=True)
    admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    assert client.get(f"/admin/incidents/incident/{incident.pk}/delete/").status_code == 403
    assert client.post("/admin/incidents/incident/", {"action": "delete_selected",
                                                      "_selected_action": [incident.pk]}).status_code in (200, 302)
    assert incident.__class__.objects.filter(pk=incident.pk).exists()


def test_unit_membership_changes_are_recorded(make_unit):
    unit = make_unit("U1", responder="crew")
    other = make_unit("U2")
    responder = Responder.objects.get(user__username="crew")
    responder.resource = other
    responder.save()
    history = list(responder.history.order_by("history_date"))
    assert [h.resource_id for h in history] == [unit.pk, other.pk]


@pytest.mark.django_db
def test_a_handover_and_its_confirmation_are_in_the_history(make_user):
    outgoing = make_user("out", "duty_officer")
    incoming = make_user("in", "duty_officer")
    post = DutyPost.objects.create(code="DO", name="值班员")
    now = timezone.now()
    Shift.objects.create(post=post, person=outgoing, start=now - timedelta(hours=8), end=now + timedelta(minutes=5))
    Shift.objects.create(post=post, person=incoming, start=now + timedelta(minutes=5), end=now + timedelta(hours=8))
    handover = handover_create(actor=outgoing, note="two fires open")
    handover_confirm(actor=incoming, handover_id=handover.pk)
    records = list(Handover.objects.get(pk=handover.pk).history.order_by("history_date"))
    assert records[0].confirmed_at is None and records[-1].confirmed_at is not None
