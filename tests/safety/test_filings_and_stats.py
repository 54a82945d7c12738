"""Issue 25 point 7, the park's side: 报备 and the consistency the park is scored on, statistics
(JSON, page, .xlsx) and online spot checks of permits in force."""

import datetime as dt
import io

from django.utils import timezone
from openpyxl import load_workbook

from safety import services
from safety.models import PermitSpotCheck, WorkFiling

from .conftest import approve


def height(park, officer="officer1", enterprise="e1", start=True, **kw):
    now = timezone.now()
    permit = services.work_permit_submit(actor=park[officer], enterprise_id=park[enterprise].pk, kind="height",
                                         height_m=3, place="roof", valid_from=now - dt.timedelta(minutes=5),
                                         valid_to=now + dt.timedelta(hours=4), **kw)
    if start:
        approve(park[officer], permit)
        services.work_permit_start(actor=park[officer], permit_id=permit.pk)
    return permit


def test_filing_a_permit_and_the_consistency_lists(park, api):
    running = height(park)
    waiting = height(park, start=False)
    client = api(park["officer1"])
    gaps = api(park["supervisor"]).get("/api/v1/work-filings/gaps/").json()
    assert [p["id"] for p in gaps["permits_without_filing"]] == [running.pk]  # started, not filed
    filed = client.post("/api/v1/work-filings/", {"enterprise": park["e1"].pk, "permit": running.pk}, format="json")
    assert filed.status_code == 201 and filed.json()["kind"] == "height" and filed.json()["permit"] == running.pk
    assert client.post("/api/v1/work-filings/", {"enterprise": park["e1"].pk, "permit": running.pk},
                       format="json").status_code == 409
    assert client.get(f"/api/v1/work-permits/{running.pk}/").json()["filed"] is True
    assert api(park["officer2"]).post("/api/v1/work-filings/", {"enterprise": park["e1"].pk, "permit": running.pk},
                                      format="json").status_code == 404
    # Filed ahead, planned to start already, no permit yet: listed until one is linked.
    now = timezone.now()
    ahead = client.post("/api/v1/work-filings/", {
        "enterprise": park["e1"].pk, "kind": "height", "place": "roof", "planned_from": (now - dt.timedelta(
            minutes=30)).isoformat(), "planned_to": (now + dt.timedelta(hours=2)).isoformat()}, format="json")
    assert ahead.status_code == 201 and ahead.json()["permit"] is None
    planned = client.post("/api/v1/work-filings/", {
        "enterprise": park["e1"].pk, "kind": "lifting", "planned_from": (now + dt.timedelta(days=1)).isoformat(),
        "planned_to": (now + dt.timedelta(days=1, hours=2)).isoformat()}, format="json")
    assert planned.status_code == 201  # not due yet: not a gap
    gaps = api(park["supervisor"]).get("/api/v1/work-filings/gaps/").json()
    assert gaps["permits_without_filing"] == []
    assert [f["id"] for f in gaps["filings_without_permit"]] == [ahead.json()["id"]]
    assert api(park["officer2"]).get("/api/v1/work-filings/gaps/").json()["filings_without_permit"] == []
    wrong = client.post(f"/api/v1/work-filings/{ahead.json()['id']}/link/", {"permit": running.pk}, format="json")
    assert wrong.status_code == 409  # that permit is filed already
    linked = client.post(f"/api/v1/work-filings/{ahead.json()['id']}/link/", {"permit": waiting.pk}, format="json")
    assert linked.status_code == 200 and linked.json()["permit"] == waiting.pk
    assert api(park["supervisor"]).get("/api/v1/work-filings/gaps/").json()["filings_without_permit"] == []
    bad = client.post("/api/v1/work-filings/", {"enterprise": park["e1"].pk, "kind": "height",
                                                "planned_from": now.isoformat(), "planned_to": now.isoformat()},
                      format="json")
    assert bad.status_code == 400 and bad.json()["field"] == "planned_to"
    assert WorkFiling.objects.count() == 3


def test_statistics_by_kind_grade_enterprise_and_month(park, api):
    height(park, start=False)
    height(park, start=False)
    height(park, officer="officer2", enterprise="e2", start=False)
    services.work_permit_submit(actor=park["officer1"], enterprise_id=park["e1"].pk, kind="hot_work", grade="special",
                                continuous_monitor="GD-1", valid_from=timezone.now(),
                                valid_to=timezone.now() + dt.timedelta(hours=4))
    cancelled = height(park, start=False)
    services.work_permit_close(actor=park["officer1"], permit_id=cancelled.pk, cancel=True)
    stats = api(park["supervisor"]).get("/api/v1/work-permits/stats/").json()
    assert stats["total"] == 4
    assert {k["kind"]: k["count"] for k in stats["by_kind"]}["height"] == 3
    assert {g["grade"]: g["count"] for g in stats["by_grade"]} == {"special": 1, "first": 0, "second": 0}
    assert [(e["enterprise"]["code"], e["count"]) for e in stats["by_enterprise"]] == [("E1", 3), ("E2", 1)]
    assert stats["by_month"] == [{"month": timezone.localtime().strftime("%Y-%m"), "count": 4}]
    mine = api(park["officer2"]).get("/api/v1/work-permits/stats/").json()
    assert mine["total"] == 1 and [e["enterprise"]["code"] for e in mine["by_enterprise"]] == ["E2"]
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    assert api(park["supervisor"]).get(f"/api/v1/work-permits/stats/?from={tomorrow}").json()["total"] == 0
    # The last date there is, as the end: a 400 naming it (not a 500 on the day after it).
    far = api(park["supervisor"]).get("/api/v1/work-permits/stats/?to=9999-12-31")
    assert far.status_code == 400 and "to" in far.json()
    for query, name in (("from=yesterday", "from"), ("to=2026-13-01", "to"), ("kind=height", "kind"),
                        ("to=9999-12-31", "to"), ("from=0001-01-01", "from"),
                        (f"from={tomorrow}&to=2000-01-01", "to")):
        response = api(park["supervisor"]).get(f"/api/v1/work-permits/stats/?{query}")
        assert response.status_code == 400 and name in response.json(), (query, response.content)
    assert api(None).get("/api/v1/work-permits/stats/").status_code in (401, 403)


def test_the_park_page_lists_gaps_and_exports_statistics(park, client):
    running = height(park)
    client.force_login(park["supervisor"])
    html = client.get("/safety/special-work/").content.decode()
    gaps = html.split('id="permits-without-filing"')[1].split("</table>")[0]
    assert f'data-permit="{running.pk}"' in gaps
    assert 'id="stats-total">1<' in html
    export = client.get("/safety/special-work/stats.xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    rows = [tuple(r) for r in load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True)]
    assert ("Enterprise", "E1 一号化工", 1) in rows and rows[-1][2] == 1
    assert client.get("/safety/special-work/?start=nonsense").status_code == 200  # a bad filter shows all
    assert client.get("/safety/special-work/stats.xlsx?end=9999-12-31").status_code == 200
    # The enterprise files the permit from its page; the gap is gone.
    client.force_login(park["officer1"])
    assert client.post(f"/safety/permits/{running.pk}/file/").status_code == 302
    assert WorkFiling.objects.get().permit == running
    client.force_login(park["supervisor"])
    html = client.get("/safety/special-work/").content.decode()
    assert f'data-permit="{running.pk}"' not in html.split('id="permits-without-filing"')[1].split("</table>")[0]
    client.force_login(park["officer2"])
    table = client.get("/safety/special-work/").content.decode().split('id="stats-enterprise"')[1].split("</table>")[0]
    assert "一号化工" not in table and "None." in table


def test_spot_checks_by_the_supervisor_on_a_permit_in_force(park, api, client):
    running = height(park)
    waiting = height(park, start=False)
    sup = api(park["supervisor"])
    ok = sup.post(f"/api/v1/work-permits/{running.pk}/spot-checks/", {"result": "compliant"}, format="json")
    assert ok.status_code == 201 and ok.json()["checked_by"] == park["supervisor"].username
    issues = sup.post(f"/api/v1/work-permits/{running.pk}/spot-checks/", {"result": "issues"}, format="json")
    assert issues.status_code == 400 and issues.json()["field"] == "findings"
    assert sup.post(f"/api/v1/work-permits/{running.pk}/spot-checks/",
                    {"result": "issues", "findings": "监护人不在场"}, format="json").status_code == 201
    assert sup.post(f"/api/v1/work-permits/{waiting.pk}/spot-checks/", {"result": "compliant"},
                    format="json").status_code == 409  # not in force
    assert sup.post(f"/api/v1/work-permits/{running.pk}/spot-checks/", {"result": "fine"},
                    format="json").status_code == 400
    officer = api(park["officer1"]).post(f"/api/v1/work-permits/{running.pk}/spot-checks/",
                                         {"result": "compliant"}, format="json")
    assert officer.status_code == 403 and "supervisors" in officer.json()["detail"]
    listed = api(park["officer1"]).get(f"/api/v1/work-permits/{running.pk}/spot-checks/").json()
    assert [c["result"] for c in listed] == ["issues", "compliant"]  # the enterprise sees the park's findings
    assert api(park["officer2"]).get(f"/api/v1/work-permits/{running.pk}/spot-checks/").status_code == 404
    client.force_login(park["supervisor"])
    assert client.post(f"/safety/permits/{running.pk}/spot-check/",
                       {"result": "issues", "findings": "无灭火器"}).status_code == 302
    page = client.get(f"/safety/permits/{running.pk}/").content.decode()
    assert "无灭火器" in page and "监护人不在场" in page
    assert PermitSpotCheck.objects.count() == 3


def test_the_permit_page_records_an_approval_and_a_break(park, client):
    permit = height(park, start=False)
    client.force_login(park["officer1"])
    page = client.get(f"/safety/permits/{permit.pk}/").content.decode()
    assert 'id="approval-form"' in page and "Not approved yet" in page
    client.post(f"/safety/permits/{permit.pk}/start/")
    permit.refresh_from_db()
    assert permit.state == "submitted"  # not approved: refused with a message
    assert client.post(f"/safety/permits/{permit.pk}/approve/", {
        "level": "unit_head", "approver": "赵主任", "on_site": "on"}).status_code == 302
    client.post(f"/safety/permits/{permit.pk}/start/")
    client.post(f"/safety/permits/{permit.pk}/pause/")
    permit.refresh_from_db()
    assert permit.state == "suspended" and permit.paused_at is not None
    page = client.get(f"/safety/permits/{permit.pk}/").content.decode()
    assert "赵主任" in page and 'id="permit-paused"' in page
    client.force_login(park["supervisor"])
    page = client.get(f"/safety/permits/{permit.pk}/").content.decode()
    assert 'id="approval-form"' not in page  # the park does not approve
