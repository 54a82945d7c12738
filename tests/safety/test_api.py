"""The Safety ledger API (docs/contract.md): contract names, roles, and another enterprise's
record answering 404 on every door (API, export, photo)."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from safety import services

from .conftest import image_bytes, later

pytestmark = pytest.mark.django_db


def _hd(park, **kwargs):
    return services.hidden_danger_report(actor=park["officer1"], enterprise_id=park["e1"].pk, title="Leak",
                                         deadline=later(days=3), **kwargs)


def test_criteria_list(park, api):
    body = api(park["officer1"]).get("/api/v1/hidden-danger-criteria/").json()
    assert len(body) == 20 and set(body[0]) == {"code", "text"}


def test_enterprises_contract_and_scope(park, api, commander, settings):
    settings.SAFETY_COMMITMENT_DUE_HOUR = 24  # the colour must not depend on the hour the test runs
    services.enterprise_colours_recompute_all()
    body = api(park["supervisor"]).get("/api/v1/enterprises/").json()["results"]
    assert [e["code"] for e in body] == ["E1", "E2"]
    e1 = body[0]
    assert {"id", "code", "name", "risk_colour", "risk_factors", "risk_sources", "responsible_persons"} <= set(e1)
    assert e1["risk_colour"] == "orange" and e1["risk_factors"][0]["text"]
    mine = api(park["officer1"]).get("/api/v1/enterprises/").json()["results"]
    assert [e["code"] for e in mine] == ["E1"]
    assert api(park["officer1"]).get(f"/api/v1/enterprises/{park['e2'].pk}/").status_code == 404
    assert api(commander).get(f"/api/v1/enterprises/{park['e2'].pk}/").status_code == 200  # the command picture


def test_hidden_danger_contract_and_steps(park, api):
    client = api(park["officer1"])
    response = client.post("/api/v1/hidden-dangers/", {
        "enterprise": park["e1"].pk, "title": "No water curtain", "description": "d", "location": "tank farm",
        "level": "general", "criteria": ["121-06"], "deadline": later(days=4).isoformat()}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "reported" and body["level"] == "major" and body["overdue"] is False
    pk = body["id"]
    bad = client.post(f"/api/v1/hidden-dangers/{pk}/rectification/", {"measures": "fix"}, format="json")
    assert bad.status_code == 400 and "五到位" in bad.json()["detail"]
    ok = client.post(f"/api/v1/hidden-dangers/{pk}/rectification/", {
        "measures": "install", "responsible": "Li", "funds_cny": "12000.50", "deadline": later(days=9).isoformat(),
        "contingency": "spray"}, format="json")
    assert ok.status_code == 200 and ok.json()["state"] == "rectifying"
    assert client.post(f"/api/v1/hidden-dangers/{pk}/verify/", {"accepted": True}, format="json").status_code == 403
    assert client.post(f"/api/v1/hidden-dangers/{pk}/rectified/", {"note": "done"}, format="json").json()[
        "state"] == "awaiting_verification"
    again = client.post(f"/api/v1/hidden-dangers/{pk}/rectified/", {"note": "done"}, format="json")
    assert again.status_code == 409 and again.json()["detail"]
    verified = api(park["supervisor"]).post(f"/api/v1/hidden-dangers/{pk}/verify/", {"accepted": True, "note": "ok"},
                                            format="json")
    assert verified.status_code == 200 and verified.json()["state"] == "closed"
    steps = [s["action"] for s in verified.json()["steps"]]
    assert steps == ["reported", "plan", "rectified", "verified"]


def test_another_enterprises_records_are_404_everywhere(park, api):
    hd = _hd(park)
    photo = services.hidden_danger_photo_add(actor=park["officer1"], hidden_danger_id=hd.pk,
                                             upload=__import__("django.core.files.uploadedfile", fromlist=["x"])
                                             .SimpleUploadedFile("p.png", image_bytes(), "image/png"))
    now = timezone.now()
    permit = services.work_permit_submit(actor=park["officer1"], enterprise_id=park["e1"].pk, kind="height",
                                         height_m=3, place="roof", valid_from=now, valid_to=now + dt.timedelta(hours=4))
    other = api(park["officer2"])
    for url in (f"/api/v1/hidden-dangers/{hd.pk}/", f"/api/v1/work-permits/{permit.pk}/",
                f"/api/v1/enterprises/{park['e1'].pk}/", f"/api/v1/enterprises/{park['e1'].pk}/ledger.xlsx",
                f"/api/v1/hidden-dangers/{hd.pk}/photos/{photo.pk}/"):
        assert other.get(url).status_code == 404, url
    for url, body in ((f"/api/v1/hidden-dangers/{hd.pk}/rectification/", {"measures": "m"}),
                      (f"/api/v1/hidden-dangers/{hd.pk}/rectified/", {}),
                      (f"/api/v1/work-permits/{permit.pk}/gas-tests/", {"at": now.isoformat()}),
                      ("/api/v1/hidden-dangers/", {"enterprise": park["e1"].pk, "title": "x",
                                                   "deadline": later(days=1).isoformat()}),
                      ("/api/v1/commitments/", {"enterprise": park["e1"].pk, "units_running": 1, "units_stopped": 0,
                                                "risk_level": "blue"})):
        assert other.post(url, body, format="json").status_code == 404, url
    assert other.post(f"/api/v1/work-permits/{permit.pk}/start/").status_code == 404
    assert other.get("/api/v1/hidden-dangers/").json()["count"] == 0
    assert other.get("/api/v1/work-permits/").json()["count"] == 0
    assert api(park["officer1"]).get(f"/api/v1/hidden-dangers/{hd.pk}/photos/{photo.pk}/").status_code == 200


def test_roles_outside_the_ledger_are_refused(park, api, commander, responder_user=None):
    assert api(commander).get("/api/v1/hidden-dangers/").status_code == 403
    assert api(commander).post("/api/v1/work-permits/", {}, format="json").status_code in (400, 403)
    assert api(None).get("/api/v1/enterprises/").status_code in (401, 403)


def test_photo_upload_checks_type_and_is_private(park, api):
    hd = _hd(park)
    client = api(park["officer1"])
    url = f"/api/v1/hidden-dangers/{hd.pk}/photos/"
    fake = io.BytesIO(b"GIF89a not really")
    fake.name = "x.jpg"
    bad = client.post(url, {"photo": fake}, format="multipart")
    assert bad.status_code == 400 and "not a JPEG" in bad.json()["detail"]
    good = io.BytesIO(image_bytes("JPEG"))
    good.name = "x.jpg"
    response = client.post(url, {"photo": good}, format="multipart")
    assert response.status_code == 201
    served = client.get(response.json()["url"])
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert served["Cache-Control"] == "private, no-store"
    assert "/media/" not in response.json()["url"]


def test_permit_api_names_the_rule(park, api):
    now = timezone.now()
    client = api(park["officer1"])
    response = client.post("/api/v1/work-permits/", {
        "enterprise": park["e1"].pk, "kind": "hot_work", "grade": "special", "location": {
            "type": "Point", "coordinates": [113.66, 22.65]},
        "valid_from": now.isoformat(), "valid_to": (now + dt.timedelta(hours=10)).isoformat()}, format="json")
    assert response.status_code == 400
    assert response.json()["rule"] == "GB 30871-2022 5.1" and "8 h" in response.json()["detail"]
    future = client.post("/api/v1/work-permits/", {
        "enterprise": park["e1"].pk, "kind": "hot_work", "grade": "second",
        "valid_from": now.isoformat(), "valid_to": (now + dt.timedelta(hours=6)).isoformat(),
        "gas_tests": [{"at": (now + dt.timedelta(hours=1)).isoformat(), "combustible_percent": 0.1,
                       "lel_percent": 5}]}, format="json")
    assert future.status_code == 400 and "future" in future.json()["detail"]
    ok = client.post("/api/v1/work-permits/", {
        "enterprise": park["e1"].pk, "kind": "hot_work", "grade": "second", "place": "pipe rack",
        # 6 h: within 8 h, so valid whether or not night or a weekend manages it as 一级 (5.1.1).
        "valid_from": now.isoformat(), "valid_to": (now + dt.timedelta(hours=6)).isoformat(),
        "gas_tests": [{"at": (now - dt.timedelta(minutes=3)).isoformat(), "combustible_percent": 0.1,
                       "lel_percent": 5}]}, format="json")
    assert ok.status_code == 201, ok.content
    unapproved = client.post(f"/api/v1/work-permits/{ok.json()['id']}/start/")
    assert unapproved.status_code == 409 and unapproved.json()["rule"] == "GB 30871-2022 Table B.1"
    assert client.post(f"/api/v1/work-permits/{ok.json()['id']}/approve/", {
        "level": "principal", "approver": "王厂长", "on_site": True}, format="json").status_code == 201
    started = client.post(f"/api/v1/work-permits/{ok.json()['id']}/start/")
    assert started.status_code == 200 and started.json()["in_force"] is True
    layer = api(park["supervisor"]).get("/api/v1/layers/work-permits/")
    assert layer.status_code == 200 and layer["Content-Type"] == "application/geo+json"
    assert [f["properties"]["place"] for f in layer.json()["features"]] == ["pipe rack"]
    assert api(park["officer2"]).get("/api/v1/layers/work-permits/").json()["features"] == []


def test_risk_point_api(park, api):
    client = api(park["officer1"])
    point = {"type": "Point", "coordinates": [113.661, 22.651]}
    response = client.post("/api/v1/risk-points/", {"enterprise": park["e1"].pk, "name": "Tank", "location": point,
                                                     "method": "LEC", "likelihood": 3, "exposure": 6,
                                                     "consequence": 40}, format="json")
    assert response.status_code == 201 and response.json()["score"] == 720 and response.json()["colour"] == "red"
    bad = client.post("/api/v1/risk-points/", {"enterprise": park["e1"].pk, "name": "Tank", "location": point,
                                                "method": "LS", "likelihood": 7, "severity": 2}, format="json")
    assert bad.status_code == 400 and "1 to 5" in bad.json()["detail"]


def test_ledger_export_is_scoped_excel(park, api):
    _hd(park, criteria=["121-01"])
    services.hidden_danger_report(actor=park["officer2"], enterprise_id=park["e2"].pk, title="=HYPERLINK(\"x\")",
                                  deadline=later(days=1))
    response = api(park["officer1"]).get(f"/api/v1/enterprises/{park['e1'].pk}/ledger.xlsx")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content))
    titles = [row[0].value for row in book["Hidden dangers"].iter_rows(min_row=2)]
    assert titles == ["Leak"]
    other = api(park["supervisor"]).get(f"/api/v1/enterprises/{park['e2'].pk}/ledger.xlsx")
    book2 = load_workbook(io.BytesIO(other.content))
    cell = book2["Hidden dangers"]["A2"]
    assert cell.value == "=HYPERLINK(\"x\")" and cell.data_type == "s"  # text, not a formula


def test_import_api_json_and_csv(park, api):
    client = api(park["officer1"])
    csv_text = "external_id,title,level,criteria,deadline\nA1,Rusty flange,general,,2030-01-01T08:00:00+08:00\n" \
               "A2,No detector,general,121-12,2030-01-01T08:00:00+08:00\n"
    first = client.post("/api/v1/hidden-dangers/import/", {"enterprise": park["e1"].pk, "csv": csv_text}, format="json")
    assert first.status_code == 200 and first.json() == {"created": 2, "unchanged": 0, "overdue": 0, "major": 1}
    again = client.post("/api/v1/hidden-dangers/import/", {"enterprise": park["e1"].pk, "rows": [
        {"external_id": "A1", "title": "Rusty flange", "deadline": "2030-01-01T08:00:00+08:00"}]}, format="json")
    assert again.json() == {"created": 0, "unchanged": 1, "overdue": 0, "major": 0}


def test_bad_input_is_a_clear_400(park, api):
    client = api(park["officer1"])
    for body in ({"enterprise": park["e1"].pk, "title": "x", "deadline": "not a date"},
                 {"enterprise": park["e1"].pk, "title": "x", "deadline": later(days=1).isoformat(), "colour": "red"},
                 {"enterprise": park["e1"].pk, "title": "x", "deadline": "9999-12-31T23:59:59-23:59"}):
        response = client.post("/api/v1/hidden-dangers/", body, format="json")
        assert response.status_code == 400, (body, response.content)


def test_four_colour_layers_are_scoped(park, api, commander, settings):
    settings.SAFETY_COMMITMENT_DUE_HOUR = 24  # the colour must not depend on the hour the test runs
    from django.contrib.gis.geos import Point

    services.enterprise_colours_recompute_all()
    services.risk_point_assess(actor=park["officer1"], enterprise_id=park["e1"].pk, name="Chlorine tank",
                               location=Point(113.66, 22.65, srid=4326), method="LEC", likelihood=3, exposure=6,
                               consequence=40)
    services.risk_point_assess(actor=park["officer2"], enterprise_id=park["e2"].pk, name="Ammonia tank",
                               location=Point(113.67, 22.65, srid=4326), method="LS", likelihood=1, severity=2)
    whole = api(commander).get("/api/v1/layers/risk-points/").json()["features"]
    assert {(f["properties"]["name"], f["properties"]["colour"]) for f in whole} == {
        ("Chlorine tank", "red"), ("Ammonia tank", "blue")}
    mine = api(park["officer2"]).get("/api/v1/layers/risk-points/").json()["features"]
    assert [f["properties"]["name"] for f in mine] == ["Ammonia tank"]
    colours = api(park["supervisor"]).get("/api/v1/layers/enterprise-colours/").json()["features"]
    assert {f["properties"]["code"]: f["properties"]["colour"] for f in colours} == {"E1": "orange", "E2": "blue"}
    assert all(f["properties"]["factors"] for f in colours)
    assert [f["properties"]["code"] for f in api(park["officer1"]).get(
        "/api/v1/layers/enterprise-colours/").json()["features"]] == ["E1"]
    assert api(park["officer1"]).get("/api/v1/layers/risk-points/?bbox=1,2,3").status_code == 400
