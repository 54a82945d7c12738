from datetime import timedelta

import pytest
from django.utils import timezone
from lxml import etree
from rest_framework.test import APIClient

from alerts import services
from alerts.models import Alert

pytestmark = pytest.mark.django_db
ATOM = {"atom": "http://www.w3.org/2005/Atom"}


def _client(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _body(**overrides):
    body = {
        "level": "yellow", "event": "台风", "headline": "台风黄色预警", "description": "大风。",
        "area": {"type": "Polygon", "coordinates": [[[113.55, 22.62], [113.72, 22.62], [113.72, 22.74],
                                                      [113.55, 22.74], [113.55, 22.62]]]},
        "area_description": "沿海", "expires": (timezone.now() + timedelta(hours=6)).isoformat(),
    }
    body.update(overrides)
    return body


@pytest.fixture
def published(commander, fields):
    """An issued alert, a draft, a cancelled one and an expired one."""
    issued = services.alert_issue(actor=commander, alert_id=services.alert_create(
        actor=commander, **fields(headline="已发布预警")).pk)
    draft = services.alert_create(actor=commander, **fields(headline="草稿预警"))
    cancelled = services.alert_create(actor=commander, **fields(headline="已解除预警"))
    services.alert_issue(actor=commander, alert_id=cancelled.pk)
    services.alert_cancel(actor=commander, alert_id=cancelled.pk)
    expired = services.alert_create(actor=commander, **fields(headline="已过期预警"))
    services.alert_issue(actor=commander, alert_id=expired.pk)
    # Time passes: the warning ran out a minute ago.
    Alert.objects.filter(pk=expired.pk).update(effective=timezone.now() - timedelta(hours=2),
                                               expires=timezone.now() - timedelta(minutes=1))
    return {"issued": issued, "draft": draft, "cancelled": cancelled, "expired": expired}


def test_commander_creates_issues_updates_and_cancels(commander):
    api = _client(commander)
    created = api.post("/api/v1/alerts/", _body(), format="json")
    assert created.status_code == 201, created.json()
    alert_id = created.json()["id"]
    assert created.json()["status"] == "draft" and created.json()["severity"] == "Moderate"
    assert api.patch(f"/api/v1/alerts/{alert_id}/", {"headline": "改"}, format="json").json()["headline"] == "改"
    issued = api.post(f"/api/v1/alerts/{alert_id}/issue/")
    assert issued.status_code == 200 and issued.json()["msg_type"] == "Alert"
    updated = api.post(f"/api/v1/alerts/{alert_id}/update/", {"level": "red"}, format="json")
    assert updated.status_code == 200 and updated.json()["msg_type"] == "Update"
    assert updated.json()["references"].count(",") == 2
    cancelled = api.post(f"/api/v1/alerts/{alert_id}/cancel/", {"note": "解除"}, format="json")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = api.post(f"/api/v1/alerts/{alert_id}/cancel/", {}, format="json")
    assert again.status_code == 409 and "already cancelled" in again.json()["detail"]


@pytest.mark.parametrize("who", ["viewer", "responder", "dispatcher", "outsider"])
def test_other_roles_cannot_write(request, who, published):
    api = _client(request.getfixturevalue(who))
    draft, issued = published["draft"], published["issued"]
    assert api.post("/api/v1/alerts/", _body(), format="json").status_code == 403
    assert api.post(f"/api/v1/alerts/{draft.pk}/issue/").status_code in (403, 404)
    assert api.post(f"/api/v1/alerts/{issued.pk}/update/", {"headline": "x"}, format="json").status_code == 403
    assert api.post(f"/api/v1/alerts/{issued.pk}/cancel/").status_code == 403
    issued.refresh_from_db()
    draft.refresh_from_db()
    assert (issued.status, draft.status) == ("issued", "draft")


def test_reading_needs_sign_in_and_hides_drafts(viewer, commander, published):
    assert _client().get("/api/v1/alerts/").status_code in (401, 403)
    seen = {a["headline"] for a in _client(viewer).get("/api/v1/alerts/").json()["results"]}
    assert seen == {"已发布预警", "已解除预警", "已过期预警"}
    assert _client(viewer).get(f"/api/v1/alerts/{published['draft'].pk}/").status_code == 404
    mine = {a["headline"] for a in _client(commander).get("/api/v1/alerts/").json()["results"]}
    assert "草稿预警" in mine
    detail = _client(viewer).get(f"/api/v1/alerts/{published['issued'].pk}/").json()
    assert detail["area"]["type"] == "MultiPolygon" and detail["cap_url"].endswith(
        f"/api/v1/alerts/{published['issued'].pk}/cap/")


def test_cap_is_public_for_published_alerts_only(published):
    anonymous = _client()
    response = anonymous.get(f"/api/v1/alerts/{published['issued'].pk}/cap/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/cap+xml")
    assert etree.fromstring(response.content).tag == "{urn:oasis:names:tc:emergency:cap:1.2}alert"
    assert anonymous.get(f"/api/v1/alerts/{published['cancelled'].pk}/cap/").status_code == 200
    hidden = anonymous.get(f"/api/v1/alerts/{published['draft'].pk}/cap/")
    assert hidden.status_code == 404 and b"draft" not in hidden.content.lower()
    assert anonymous.get("/api/v1/alerts/999999/cap/").status_code == 404
    assert anonymous.get(f"/api/v1/alerts/{10**25}/cap/").status_code == 404


def test_atom_feed_lists_current_alerts_linking_to_cap(client, published):
    response = client.get("/alerts/feed/")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/atom+xml")
    feed = etree.fromstring(response.content)
    entries = feed.findall("atom:entry", ATOM)
    assert len(entries) == 1 and "已发布预警" in entries[0].findtext("atom:title", namespaces=ATOM)
    link = entries[0].find("atom:link", ATOM)
    assert link.get("type") == "application/cap+xml"
    assert link.get("href").endswith(f"/api/v1/alerts/{published['issued'].pk}/cap/")
    assert client.get(link.get("href")).status_code == 200
    text = response.content.decode()
    assert "草稿预警" not in text and "已解除预警" not in text and "已过期预警" not in text


@pytest.mark.parametrize("overrides, field, words", [
    ({"level": "purple"}, "level", "purple"),
    ({"expires": "2020-01-01T00:00:00+08:00", "effective": "2020-01-02T00:00:00+08:00"}, "expires", "after"),
    ({"area": {"type": "Polygon", "coordinates": [[[113.55, 22.62], [113.72, 22.62], [113.72, 22.74],
                                                    [113.55, 22.74]]]}}, "area", "not closed"),
    ({"area": "22.62,113.55 22.62,113.72 22.74,113.72 22.62"}, "area", "not a latitude,longitude pair"),
    ({"area": {"type": "Polygon", "coordinates": "nope"}}, "area", "list"),
    ({"area": {"type": "Point", "coordinates": [113.5, 22.6]}}, "area", "Polygon"),
    ({"area": {"type": "Polygon", "coordinates": [[[10**30, 22.62], [113.72, 22.62], [113.72, 22.74],
                                                    [10**30, 22.62]]]}}, "area", "off the globe"),
    ({"area": "95.0,113.55 22.62,113.72 22.74,113.72 95.0,113.55"}, "area", "off the globe"),
    ({"area": "22.6,113.5 22.7,113.6 22.6,113.6 22.7,113.5 22.6,113.5"}, "area", "edges do not cross"),
    ({"expires": "tomorrow"}, "expires", ""),
    ({"colour": "pink"}, "colour", "Unknown field"),
    ({"incident": 999999}, "incident", "No such incident"),
])
def test_bad_input_is_400_per_field_and_writes_nothing(commander, overrides, field, words):
    response = _client(commander).post("/api/v1/alerts/", _body(**overrides), format="json")
    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body, body
    assert words in " ".join(body[field])
    assert Alert.objects.count() == 0


def test_bad_json_is_400(commander):
    response = _client(commander).post("/api/v1/alerts/", "{not json", content_type="application/json")
    assert response.status_code == 400
    response = _client(commander).post("/api/v1/alerts/", ["a"], format="json")
    assert response.status_code == 400


def test_map_layer_is_geojson_lon_first_ccw(viewer, published):
    assert _client().get("/api/v1/alerts/layer/").status_code in (401, 403)
    layer = _client(viewer).get("/api/v1/alerts/layer/?bbox=113.4,22.5,113.8,22.9").json()
    assert layer["type"] == "FeatureCollection"
    assert [f["id"] for f in layer["features"]] == [published["issued"].pk]
    feature = layer["features"][0]
    assert feature["properties"]["level"] == "yellow" and feature["geometry"]["type"] == "MultiPolygon"
    ring = feature["geometry"]["coordinates"][0][0]
    assert ring[0] == ring[-1] and 113 < ring[0][0] < 114 and 22 < ring[0][1] < 23
    # Shoelace: a positive signed area means counter-clockwise in lon/lat.
    signed = sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False))
    assert signed > 0
    away = _client(viewer).get("/api/v1/alerts/layer/?bbox=100,10,101,11").json()
    assert away["features"] == []
    bad = _client(viewer).get("/api/v1/alerts/layer/?bbox=1,2,3")
    assert bad.status_code == 400 and "bbox" in bad.json()


@pytest.mark.parametrize("level", ["orange", "red"])
def test_orange_or_red_warning_needs_confirm_on_the_api_too(commander, level):
    """The console's confirmation box is not a browser nicety: an API client issuing an orange
    or red warning must say `confirm: true`, or gets a 400 naming the field and nothing is sent."""
    api = _client(commander)
    alert_id = api.post("/api/v1/alerts/", _body(level=level), format="json").json()["id"]
    refused = api.post(f"/api/v1/alerts/{alert_id}/issue/")
    assert refused.status_code == 400, refused.json()
    assert "confirm" in refused.json() and "whole public" in refused.json()["detail"]
    assert api.get(f"/api/v1/alerts/{alert_id}/").json()["status"] == "draft"
    assert api.post(f"/api/v1/alerts/{alert_id}/issue/", {"confirm": "maybe"}, format="json").status_code == 400
    issued = api.post(f"/api/v1/alerts/{alert_id}/issue/", {"confirm": True}, format="json")
    assert issued.status_code == 200 and issued.json()["status"] == "issued"


def test_issue_refuses_unknown_fields(commander):
    api = _client(commander)
    alert_id = api.post("/api/v1/alerts/", _body(), format="json").json()["id"]
    assert api.post(f"/api/v1/alerts/{alert_id}/issue/", {"confirmd": True}, format="json").status_code == 400
    assert api.get(f"/api/v1/alerts/{alert_id}/").json()["status"] == "draft"
