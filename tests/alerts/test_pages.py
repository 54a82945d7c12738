import pytest

from alerts import services
from alerts.models import Alert
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _form(**overrides):
    data = {"level": "orange", "event": "暴雨", "headline": "暴雨橙色预警 <script>alert(1)</script>",
            "description": "强降雨。", "area": "22.62,113.55 22.62,113.72 22.74,113.72 22.62,113.55",
            "area_description": "全区", "expires": "2099-01-01T10:00", "category": "Met"}
    data.update(overrides)
    return data


def test_commander_drafts_previews_issues_and_cancels_on_the_console(client, commander):
    _login(client, commander)
    assert client.get("/alerts/new/").status_code == 200
    response = client.post("/alerts/new/", _form())
    alert = Alert.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/alerts/{alert.pk}/"
    assert (alert.severity, alert.expires.isoformat()) == ("Severe", "2099-01-01T02:00:00+00:00")
    page = client.get(f"/alerts/{alert.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "urn:oasis:names:tc:emergency:cap:1.2" in page and "<status>Draft</status>" not in page
    assert "&lt;status&gt;Draft&lt;/status&gt;" in page
    client.post(f"/alerts/{alert.pk}/issue/", {"confirm": "yes"})
    alert.refresh_from_db()
    assert alert.status == "issued"
    edit = client.post(f"/alerts/{alert.pk}/edit/", _form(headline="暴雨红色预警", level="red"))
    assert edit.status_code == 302
    alert.refresh_from_db()
    assert (alert.status, alert.msg_type, alert.severity) == ("updated", "Update", "Extreme")
    client.post(f"/alerts/{alert.pk}/cancel/", {"note": "雨停"})
    alert.refresh_from_db()
    assert alert.status == "cancelled" and alert.note == "雨停"
    # A second cancel is refused with a message, not an error page.
    page = client.post(f"/alerts/{alert.pk}/cancel/", follow=True).content.decode()
    assert "already cancelled" in page


def test_form_shows_field_errors_and_saves_nothing(client, commander):
    _login(client, commander)
    page = client.post("/alerts/new/", _form(area="22.62,113.55 22.62,113.72 22.74,113.72",
                                             effective="2099-01-02T10:00")).content.decode()
    assert "not closed" in page and "after the effective time" in page
    assert Alert.objects.count() == 0


def test_viewer_reads_published_only_and_cannot_write(client, commander, viewer, fields):
    draft = services.alert_create(actor=commander, **fields(headline="草稿预警"))
    issued = services.alert_create(actor=commander, **fields(headline="发布预警"))
    services.alert_issue(actor=commander, alert_id=issued.pk)
    _login(client, viewer)
    listing = client.get("/alerts/").content.decode()
    assert "发布预警" in listing and "草稿预警" not in listing
    assert client.get(f"/alerts/{draft.pk}/").status_code == 404
    assert client.get(f"/alerts/{issued.pk}/").status_code == 200
    assert client.get("/alerts/new/").status_code == 403
    assert client.post("/alerts/new/", _form()).status_code == 403
    assert client.post(f"/alerts/{issued.pk}/cancel/").status_code == 403
    assert Alert.objects.get(pk=issued.pk).status == "issued"


def test_responder_and_anonymous_have_no_console(client, responder, fields):
    assert client.get("/alerts/")["Location"].startswith("/login/")
    _login(client, responder)
    assert client.get("/alerts/").status_code == 403


@pytest.mark.parametrize("level", ["red", "orange"])
def test_red_and_orange_warnings_need_an_explicit_confirmation(client, commander, level):
    """Issue 13 point 16: one click does not send a red warning to the public; the server
    refuses the issue without the confirmation box ticked, whatever the browser does."""
    _login(client, commander)
    client.post("/alerts/new/", _form(level=level))
    alert = Alert.objects.get()
    page = client.get(f"/alerts/{alert.pk}/").content.decode()
    assert 'name="confirm"' in page and "required" in page
    refused = client.post(f"/alerts/{alert.pk}/issue/", follow=True)
    alert.refresh_from_db()
    assert alert.status == "draft"
    assert "goes to the whole public" in refused.content.decode()
    client.post(f"/alerts/{alert.pk}/issue/", {"confirm": "yes"})
    alert.refresh_from_db()
    assert alert.status == "issued"


def test_blue_warning_issues_without_the_confirmation(client, commander):
    _login(client, commander)
    client.post("/alerts/new/", _form(level="blue"))
    alert = Alert.objects.get()
    assert 'name="confirm"' not in client.get(f"/alerts/{alert.pk}/").content.decode()
    client.post(f"/alerts/{alert.pk}/issue/")
    alert.refresh_from_db()
    assert alert.status == "issued"
