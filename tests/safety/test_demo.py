"""The demo ledger: its users log in where they work, loading twice adds nothing."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from safety.models import EnterpriseMembership, HiddenDanger, ResponsiblePerson, WorkPermit
from safety.selectors import responsible_gaps

pytestmark = pytest.mark.django_db


def test_demo_users_and_ledger(demo):
    users = get_user_model().objects.in_bulk(["safety1", "enterprise1", "enterprise2"], field_name="username")
    assert set(users) == {"safety1", "enterprise1", "enterprise2"}
    one = EnterpriseMembership.objects.get(user=users["enterprise1"]).enterprise
    two = EnterpriseMembership.objects.get(user=users["enterprise2"]).enterprise
    assert one != two
    counts = (HiddenDanger.objects.count(), WorkPermit.objects.count(), ResponsiblePerson.objects.count())
    demo.load()
    assert (HiddenDanger.objects.count(), WorkPermit.objects.count(), ResponsiblePerson.objects.count()) == counts
    assert any(g["risk_source"].code == "RS03" for g in responsible_gaps(
        ResponsiblePerson.objects.get(risk_source__code="RS03", role="main").risk_source.enterprise_id))
    client = Client()
    client.force_login(users["enterprise2"])
    page = client.get("/", follow=True)
    assert page.status_code == 200 and two.name in page.content.decode()
    assert client.get(f"/safety/enterprises/{one.pk}/").status_code == 404
