"""An escalated assignment also reaches the unit's crew by SMS (issue 21, point 4)."""

import pytest

from incidents import services
from notices.models import Notice
from resources.models import Responder

pytestmark = pytest.mark.django_db


def test_the_first_escalation_of_an_assignment_smses_the_units_crew(incident, make_unit, dispatcher):
    unit = make_unit("E9", responder="crew_t")
    Responder.objects.filter(resource=unit).update(phone="13800000901")
    assignment = services.assignment_create(actor=dispatcher, incident_id=incident.pk, resource_ids=[unit.pk])[0]
    services.assignment_escalate(assignment_id=assignment.pk)
    notice = Notice.objects.get(source="assignment.escalated")
    assert notice.incident_id == incident.pk
    receipt = notice.receipts.get()
    assert (receipt.channel, receipt.mobile) == ("sms", "+8613800000901")
    assert "Unit E9" in receipt.text and receipt.text.startswith("【")
    assert incident.timeline.filter(kind="notice").exists()
    services.assignment_escalate(assignment_id=assignment.pk)  # round 2: the crew was told already
    assert Notice.objects.filter(source="assignment.escalated").count() == 1
