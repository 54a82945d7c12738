"""Issue 25 point 9, first bullet: a hidden danger has a point on the map (`location`, GeoJSON, as
an incident's; `place` is the text), validated; general ones are accepted and closed by the
enterprise itself, major ones only by the park."""

from django.contrib.gis.geos import MultiPolygon, Polygon

from resources.models import Area
from safety import services
from safety.models import HiddenDanger

from .conftest import LAT, LON, later

POINT = {"type": "Point", "coordinates": [LON, LAT]}


def _district():
    Area.objects.create(code="NS", name="南沙", kind="town", boundary=MultiPolygon(
        Polygon.from_bbox((113.5, 22.5, 113.8, 22.9)), srid=4326))


def _report(api, user, enterprise, **body):
    return api(user).post("/api/v1/hidden-dangers/", {
        "enterprise": enterprise.pk, "title": "消防通道堆放杂物", "deadline": later(days=3).isoformat(), **body},
        format="json")


def test_a_hidden_danger_has_a_point_and_a_place(park, api):
    _district()
    made = _report(api, park["officer1"], park["e1"], location=POINT, place="储罐区东侧通道")
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["location"] == POINT and body["place"] == "储罐区东侧通道"
    hd = HiddenDanger.objects.get()
    assert (round(hd.location.x, 6), round(hd.location.y, 6)) == (LON, LAT)
    # Clients that sent the place in words as `location` keep working: it becomes the place.
    legacy = _report(api, park["officer1"], park["e1"], location="合成氨压缩机房")
    assert legacy.status_code == 201 and legacy.json()["place"] == "合成氨压缩机房"
    assert legacy.json()["location"] is None
    layer = api(park["supervisor"]).get("/api/v1/layers/hidden-dangers/").json()
    assert [f["properties"]["place"] for f in layer["features"]] == ["储罐区东侧通道"]
    assert layer["features"][0]["geometry"] == POINT
    assert api(park["officer2"]).get("/api/v1/layers/hidden-dangers/").json()["features"] == []


def test_malformed_or_far_away_points_are_refused_naming_the_field(park, api):
    _district()
    for bad in ({"type": "Point", "coordinates": [LON]}, {"type": "Point", "coordinates": ["a", "b"]},
                {"type": "Point", "coordinates": [200, 22.6]}, {"type": "LineString", "coordinates": [[1, 2]]},
                [LON, LAT], 5):
        response = _report(api, park["officer1"], park["e1"], location=bad)
        assert response.status_code == 400 and "location" in response.json(), (bad, response.content)
    beijing = _report(api, park["officer1"], park["e1"], location={"type": "Point", "coordinates": [116.397, 39.909]})
    assert beijing.status_code == 400 and beijing.json()["field"] == "location"
    assert "outside the district" in beijing.json()["detail"]
    elsewhere = _report(api, park["officer1"], park["e1"], location={"type": "Point", "coordinates": [LON + 0.02, LAT]})
    assert elsewhere.status_code == 400 and elsewhere.json()["field"] == "location"
    assert "一号化工" in elsewhere.json()["detail"]  # not on the enterprise's site
    assert not HiddenDanger.objects.exists()


def _awaiting(park, level="general", criteria=()):
    hd = services.hidden_danger_report(actor=park["officer1"], enterprise_id=park["e1"].pk, title="t",
                                       deadline=later(days=3), level=level, criteria=list(criteria))
    plan = {"measures": "m"} if hd.level == "general" else {
        "measures": "m", "responsible": "Li", "funds_cny": 100, "contingency": "c", "deadline": hd.deadline}
    services.hidden_danger_plan(actor=park["officer1"], hidden_danger_id=hd.pk, **plan)
    services.hidden_danger_rectified(actor=park["officer1"], hidden_danger_id=hd.pk)
    return hd


def test_general_ones_are_closed_by_the_enterprise_major_ones_only_by_the_park(park, api, make_user):
    from core.roles import ENTERPRISE_OFFICER
    from safety.models import EnterpriseMembership

    colleague = make_user("off1b_t", ENTERPRISE_OFFICER)
    EnterpriseMembership.objects.create(user=colleague, enterprise=park["e1"])
    general = _awaiting(park)
    # Not the one who reported it rectified, and not another enterprise.
    assert api(park["officer1"]).post(f"/api/v1/hidden-dangers/{general.pk}/verify/", {"accepted": True},
                                      format="json").status_code == 403
    assert api(park["officer2"]).post(f"/api/v1/hidden-dangers/{general.pk}/verify/", {"accepted": True},
                                      format="json").status_code == 404
    closed = api(colleague).post(f"/api/v1/hidden-dangers/{general.pk}/verify/", {"accepted": True}, format="json")
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    major = _awaiting(park, criteria=["121-06"])
    refused = api(colleague).post(f"/api/v1/hidden-dangers/{major.pk}/verify/", {"accepted": True}, format="json")
    assert refused.status_code == 403 and "park" in refused.json()["detail"]
    assert HiddenDanger.objects.get(pk=major.pk).state == "awaiting_verification"
    accepted = api(park["supervisor"]).post(f"/api/v1/hidden-dangers/{major.pk}/verify/", {"accepted": True},
                                            format="json")
    assert accepted.status_code == 200 and accepted.json()["state"] == "closed"


def test_the_pages_take_the_point_and_offer_acceptance_to_whom_it_belongs(park, client, make_user):
    from core.roles import ENTERPRISE_OFFICER
    from safety.models import EnterpriseMembership

    _district()
    client.force_login(park["officer1"])
    form = {"enterprise": park["e1"].pk, "title": "围堰破损", "level": "general", "place": "T-101 围堰",
            "lon": str(LON), "lat": str(LAT), "deadline": later(days=2).strftime("%Y-%m-%dT%H:%M")}
    assert client.post("/safety/hidden-dangers/new/", form).status_code == 302
    hd = HiddenDanger.objects.get()
    assert hd.place == "T-101 围堰" and round(hd.location.x, 6) == LON
    assert 'data-lon="113.660000"' in client.get(f"/safety/hidden-dangers/{hd.pk}/").content.decode()
    half = client.post("/safety/hidden-dangers/new/", {**form, "lat": ""})
    assert half.status_code == 400 and HiddenDanger.objects.count() == 1
    colleague = make_user("off1c_t", ENTERPRISE_OFFICER)
    EnterpriseMembership.objects.create(user=colleague, enterprise=park["e1"])
    general = _awaiting(park)
    major = _awaiting(park, criteria=["121-06"])
    client.force_login(colleague)
    assert 'id="verify"' in client.get(f"/safety/hidden-dangers/{general.pk}/").content.decode()
    assert 'id="verify"' not in client.get(f"/safety/hidden-dangers/{major.pk}/").content.decode()
