"""A plan activation notifies each of the plan's role-holders with their tasks (issue 21, point 4)."""

import pytest

from notices.models import Notice
from plans import services
from plans.models import PlanContact

pytestmark = pytest.mark.django_db


def test_activation_notifies_the_plans_contacts_with_their_tasks(plan, incident, commander):
    PlanContact.objects.create(plan=plan, name="园区值班长", position="现场指挥部", organisation="园区",
                               phone="138-0000-0601")
    PlanContact.objects.create(plan=plan, name="座机联系人", position="办公室", phone="0760-8888888")  # no mobile
    services.plan_activate(actor=commander, incident_id=incident.pk, plan_id=plan.pk, level="IV")
    notice = Notice.objects.get(source="plan.activated")
    assert notice.incident_id == incident.pk
    receipt = notice.receipts.get(channel="sms")
    assert receipt.mobile == "+8613800000601" and receipt.name == "园区值班长"
    assert "通知园区管委会" in notice.body and "派出危化品处置车" in notice.body
    assert receipt.text.startswith("【区应急指挥中心】")
