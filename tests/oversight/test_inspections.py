"""Issue 25 point 4 (执法管理): an inspection from the 双随机 draw by a pair the draw dealt, its
findings opening hidden dangers, the 责令限期整改指令书 as PDF, and the follow-up coming due."""

import datetime as dt

from django.utils import timezone

from oversight import rules
from oversight.models import Inspection
from safety import services as ledger_services
from safety.models import HiddenDanger


def test_a_drawn_enterprise_is_inspected_by_its_pair_and_findings_open_hidden_dangers(park, api):
    e1, e2 = park["e1"], park["e2"]
    e1.in_chemical_park = e2.in_chemical_park = True
    e1.save(), e2.save()
    draw = ledger_services.inspection_draw(actor=park["supervisor"], count=2, inspectors=["张", "王", "李", "赵"])
    pairs = rules.inspector_pairs(draw.inspectors, [e1.pk, e2.pk], draw.seed)
    assert sorted(len(p) for p in pairs.values()) == [2, 2] and set(sum(pairs.values(), [])) == {"张", "王", "李", "赵"}
    assert rules.inspector_pairs(draw.inspectors, [e1.pk, e2.pk], draw.seed) == pairs  # replayable

    response = api(park["supervisor"]).post("/api/v1/inspections/", {
        "enterprise": e1.pk, "draw": draw.pk, "at": timezone.now().isoformat(),
        "findings": [{"text": "液氯储罐区可燃气体报警器未定期检定"},
                     {"text": "涉及重点监管危险化工工艺的装置未实现自动化控制", "level": "major", "criteria": ["121-04"]}]},
        format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert sorted(data["inspectors"]) == sorted(pairs[e1.pk])
    assert data["order_number"].startswith(f"园安责改〔{timezone.localdate().year}〕")
    hidden = HiddenDanger.objects.filter(pk__in=[f["hidden_danger"] for f in data["findings"]]).order_by("pk")
    assert [h.level for h in hidden] == ["general", "major"] and all(h.inspection_id == draw.pk for h in hidden)

    # The enterprise's officer reads its own inspection and order; the other enterprise cannot.
    assert api(park["officer1"]).get(f"/api/v1/inspections/{data['id']}/").status_code == 200
    assert api(park["officer2"]).get(f"/api/v1/inspections/{data['id']}/").status_code == 404
    order = api(park["officer1"]).get(f"/api/v1/inspections/{data['id']}/order.pdf")
    assert order.status_code == 200 and order["Content-Type"] == "application/pdf" and order.content[:5] == b"%PDF-"
    assert api(park["officer2"]).get(f"/api/v1/inspections/{data['id']}/order.pdf").status_code == 404
    # Officers do not record inspections.
    assert api(park["officer1"]).post("/api/v1/inspections/", {
        "enterprise": e1.pk, "inspectors": ["a", "b"], "at": timezone.now().isoformat()}, format="json").status_code == 403


def test_inspections_need_two_inspectors_a_drawn_enterprise_and_no_future(park, api):
    client = api(park["supervisor"])
    now = timezone.now().isoformat()
    one = client.post("/api/v1/inspections/", {"enterprise": park["e1"].pk, "inspectors": ["张"], "at": now},
                      format="json")
    assert one.status_code == 400 and "two" in one.json()["detail"]
    missing = client.post("/api/v1/inspections/", {"enterprise": park["e1"].pk, "draw": 999999,
                                                   "inspectors": ["张", "王"], "at": now}, format="json")
    assert missing.status_code == 404
    future = client.post("/api/v1/inspections/", {
        "enterprise": park["e1"].pk, "inspectors": ["张", "王"],
        "at": (timezone.now() + dt.timedelta(days=1)).isoformat()}, format="json")
    assert future.status_code == 400
    bad_finding = client.post("/api/v1/inspections/", {
        "enterprise": park["e1"].pk, "inspectors": ["张", "王"], "at": now,
        "findings": [{"text": "x", "level": "huge"}]}, format="json")
    assert bad_finding.status_code == 400 and "level" in bad_finding.content.decode()
    assert Inspection.objects.count() == 0 and HiddenDanger.objects.count() == 0


def test_the_follow_up_comes_due_on_the_overview_and_is_recorded_once(park, api):
    client = api(park["supervisor"])
    response = client.post("/api/v1/inspections/", {
        "enterprise": park["e2"].pk, "inspectors": ["张", "王"], "at": timezone.now().isoformat(),
        "rectify_by": (timezone.now() + dt.timedelta(days=3)).isoformat(),
        "findings": [{"text": "液氨罐区围堰破损"}]}, format="json")
    inspection = response.json()
    rows = client.get("/api/v1/oversight/?category=inspection").json()
    assert [(r["enterprise"]["code"], r["status"]) for r in rows] == [("E2", "due")]
    Inspection.objects.filter(pk=inspection["id"]).update(order_deadline=timezone.now() - dt.timedelta(hours=1))
    assert client.get("/api/v1/oversight/?category=inspection").json()[0]["status"] == "overdue"
    assert api(park["officer2"]).post(f"/api/v1/inspections/{inspection['id']}/follow-up/", {"note": "x"},
                                      format="json").status_code == 403
    done = client.post(f"/api/v1/inspections/{inspection['id']}/follow-up/", {"note": "围堰已修复，复查合格"},
                       format="json")
    assert done.status_code == 200 and done.json()["followed_up_at"]
    again = client.post(f"/api/v1/inspections/{inspection['id']}/follow-up/", {"note": "再次"}, format="json")
    assert again.status_code == 409
    assert client.get("/api/v1/oversight/?category=inspection").json() == []
