from datetime import timedelta

import pytest
from django.utils import timezone

from alerts import services
from alerts.models import Alert
from core.errors import DomainError
from core.models import Event
from incidents.models import IncidentType, TimelineEntry

pytestmark = pytest.mark.django_db


def test_draft_takes_cap_defaults_from_level(commander, fields):
    red = services.alert_create(actor=commander, **fields(level="red"))
    blue = services.alert_create(actor=commander, **fields(level="blue", urgency="Immediate"))
    assert red.status == "draft" and red.identifier == ""
    assert (red.urgency, red.severity, red.certainty) == ("Immediate", "Extreme", "Likely")
    # An explicit choice wins over the level's default.
    assert (blue.urgency, blue.severity, blue.certainty) == ("Immediate", "Minor", "Possible")
    assert not Event.objects.filter(type__startswith="alert.").exists(), "a draft is not announced"


@pytest.mark.parametrize("who", ["viewer", "duty_officer", "dispatcher", "responder", "outsider"])
def test_only_commanders_write(request, commander, fields, who):
    user = request.getfixturevalue(who)
    with pytest.raises(DomainError) as exc:
        services.alert_create(actor=user, **fields())
    assert exc.value.status == 403
    draft = services.alert_create(actor=commander, **fields())
    for action in (lambda: services.alert_issue(actor=user, alert_id=draft.pk),
                   lambda: services.alert_cancel(actor=user, alert_id=draft.pk)):
        with pytest.raises(DomainError) as exc:
            action()
        assert exc.value.status == 403
    assert Alert.objects.get().status == "draft"


def test_issue_update_cancel_life(commander, fields):
    itype = IncidentType.objects.create(code="typhoon-t", klass="natural", name_zh="台风", name_en="Typhoon")
    from incidents.services import incident_log

    incident = incident_log(actor=commander, type_code=itype.code, severity="III", lon=113.6, lat=22.7)
    draft = services.alert_create(actor=commander, **fields(incident=incident.pk))

    issued = services.alert_issue(actor=commander, alert_id=draft.pk)
    assert issued.status == "issued" and issued.msg_type == "Alert"
    assert issued.identifier and issued.sent and issued.effective and issued.issued_by == commander
    assert issued.references == ""
    first = (issued.sender, issued.identifier)

    updated = services.alert_update(actor=commander, alert_id=draft.pk, level="orange",
                                    headline="台风橙色预警")
    assert updated.status == "updated" and updated.msg_type == "Update" and updated.version == 2
    assert updated.identifier != first[1]
    assert updated.references.startswith(f"{first[0]},{first[1]},")
    assert updated.severity == "Severe", "a level change re-derives the CAP severity"

    cancelled = services.alert_cancel(actor=commander, alert_id=draft.pk, note="台风已远离")
    assert cancelled.status == "cancelled" and cancelled.msg_type == "Cancel"
    assert len(cancelled.references.split()) == 2 and cancelled.note == "台风已远离"

    events = list(Event.objects.filter(type__startswith="alert.").order_by("seq"))
    assert [e.type for e in events] == ["alert.issued", "alert.updated", "alert.cancelled"]
    assert all(e.audiences == ["console"] for e in events)
    assert events[1].payload["headline"] == "台风橙色预警" and events[1].payload["incident"] == incident.pk
    assert events[2].payload["msg_type"] == "Cancel"
    kinds = list(TimelineEntry.objects.filter(incident=incident, kind__startswith="alert.")
                 .values_list("kind", flat=True))
    assert kinds == ["alert.issued", "alert.updated", "alert.cancelled"]
    assert Alert.history.filter(id=draft.pk).count() == 4


def test_unlinked_alert_writes_no_timeline(commander, fields):
    draft = services.alert_create(actor=commander, **fields())
    services.alert_issue(actor=commander, alert_id=draft.pk)
    assert not TimelineEntry.objects.filter(kind__startswith="alert.").exists()
    assert Event.objects.filter(type="alert.issued").count() == 1


def test_forbidden_transitions(commander, fields):
    draft = services.alert_create(actor=commander, **fields())
    with pytest.raises(DomainError, match="only an issued alert can be updated"):
        services.alert_update(actor=commander, alert_id=draft.pk, headline="x")
    with pytest.raises(DomainError, match="nothing to cancel"):
        services.alert_cancel(actor=commander, alert_id=draft.pk)
    services.alert_issue(actor=commander, alert_id=draft.pk)
    with pytest.raises(DomainError, match="only a draft can be issued") as exc:
        services.alert_issue(actor=commander, alert_id=draft.pk)
    assert exc.value.status == 409
    with pytest.raises(DomainError, match="Only a draft can be edited"):
        services.alert_edit(actor=commander, alert_id=draft.pk, headline="x")
    services.alert_cancel(actor=commander, alert_id=draft.pk)
    with pytest.raises(DomainError, match="already cancelled"):
        services.alert_cancel(actor=commander, alert_id=draft.pk)
    with pytest.raises(DomainError):
        services.alert_update(actor=commander, alert_id=draft.pk, headline="x")
    assert Event.objects.filter(type__startswith="alert.").count() == 2


def test_bad_input_names_each_field(commander, fields):
    now = timezone.now()
    with pytest.raises(DomainError) as exc:
        services.alert_create(actor=commander, **fields(
            level="purple", effective=now + timedelta(hours=2), expires=now + timedelta(hours=1),
            area="22.62,113.55 22.62,113.72 22.74,113.72 22.74,113.55", headline=""))
    assert exc.value.status == 400
    assert set(exc.value.data) == {"level", "expires", "area", "headline"}
    assert "not closed" in exc.value.data["area"][0]
    assert "after the effective time" in exc.value.data["expires"][0]
    assert Alert.objects.count() == 0


def test_cannot_issue_an_expired_draft(commander, fields):
    draft = services.alert_create(actor=commander, **fields(expires=timezone.now() - timedelta(minutes=1)))
    with pytest.raises(DomainError) as exc:
        services.alert_issue(actor=commander, alert_id=draft.pk)
    assert "expiry" in exc.value.data["expires"][0]
    assert Alert.objects.get().status == "draft"
