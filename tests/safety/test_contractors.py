"""Issue 25 point 3: contractors (第三方单位) per enterprise with their qualifications; a permit
names the contractor doing the work, and an expired qualification refuses it."""

import datetime as dt

from django.utils import timezone

from safety.models import Contractor, WorkPermit

CODE1, CODE2 = "91440400MA4X00001K", "91440400MA4X00002K"


def register(api, officer, enterprise, code=CODE1, days=(400,), name="珠江安装工程有限公司"):
    return api(officer).post("/api/v1/contractors/", {
        "enterprise": enterprise.pk, "name": name, "credit_code": code, "contact": "黄工",
        "qualifications": [{"kind": f"资质{i}", "number": f"Q-{i}",
                            "valid_to": (timezone.localdate() + dt.timedelta(days=d)).isoformat()}
                           for i, d in enumerate(days)]}, format="json")


def test_an_enterprise_keeps_its_own_contractors_only(park, api):
    made = register(api, park["officer1"], park["e1"])
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["enterprise"] == park["e1"].pk and body["credit_code"] == CODE1
    assert body["qualifications"][0]["number"] == "Q-0" and body["expired"] is False and body["expiring"] is False
    assert register(api, park["officer1"], park["e1"]).status_code == 409  # same credit code twice
    assert register(api, park["officer1"], park["e2"], code=CODE2).status_code == 404  # not theirs
    bad = register(api, park["officer1"], park["e1"], code="12345")
    assert bad.status_code == 400 and "credit code" in bad.json()["detail"] and bad.json()["field"] == "credit_code"
    no_date = api(park["officer1"]).post("/api/v1/contractors/", {
        "enterprise": park["e1"].pk, "name": "x", "credit_code": CODE2,
        "qualifications": [{"kind": "k", "number": "n", "valid_to": "soon"}]}, format="json")
    assert no_date.status_code == 400 and "qualifications" in no_date.json()
    pk = body["id"]
    assert api(park["officer2"]).get(f"/api/v1/contractors/{pk}/").status_code == 404
    assert api(park["officer2"]).get("/api/v1/contractors/").json()["count"] == 0
    assert api(park["officer2"]).post(f"/api/v1/contractors/{pk}/qualifications/", {
        "kind": "k", "number": "n", "valid_to": "2099-01-01"}, format="json").status_code == 404
    assert api(park["supervisor"]).get("/api/v1/contractors/").json()["count"] == 1
    added = api(park["officer1"]).post(f"/api/v1/contractors/{pk}/qualifications/", {
        "kind": "特种作业操作证", "number": "T-9", "valid_to": (timezone.localdate() - dt.timedelta(days=1)).isoformat()},
        format="json")
    assert added.status_code == 201 and added.json()["expired"] is True
    assert api(park["officer1"]).get(f"/api/v1/contractors/{pk}/").json()["expired"] is True


def test_a_permit_names_its_contractor_and_an_expired_qualification_refuses_it(park, api):
    client = api(park["officer1"])
    contractor = register(api, park["officer1"], park["e1"], days=(400, 1)).json()
    now = timezone.now()
    body = {"enterprise": park["e1"].pk, "kind": "height", "height_m": 3, "place": "roof", "contractor": contractor["id"],
            "valid_from": now.isoformat(), "valid_to": (now + dt.timedelta(days=3)).isoformat()}
    refused = client.post("/api/v1/work-permits/", body, format="json")
    assert refused.status_code == 400 and refused.json()["rule"] == "GB 30871-2022 4.3"
    detail = refused.json()["detail"]
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    assert "Q-1" in detail and tomorrow in detail and "Q-0" not in detail
    short = client.post("/api/v1/work-permits/", {**body, "valid_to": (now + dt.timedelta(hours=4)).isoformat()},
                        format="json")
    assert short.status_code == 201 and short.json()["contractor"] == contractor["id"]
    own = client.post("/api/v1/work-permits/", {**body, "contractor": None}, format="json")
    assert own.status_code == 201 and own.json()["contractor"] is None  # the enterprise's own staff
    # Another enterprise's contractor, and one with no qualification on record.
    theirs = register(api, park["officer2"], park["e2"], code=CODE2).json()
    foreign = client.post("/api/v1/work-permits/", {**body, "contractor": theirs["id"]}, format="json")
    assert foreign.status_code == 400 and foreign.json()["field"] == "contractor"
    bare = register(api, park["officer1"], park["e1"], code="91440400MA4X00009K", days=()).json()
    empty = client.post("/api/v1/work-permits/", {**body, "contractor": bare["id"]}, format="json")
    assert empty.status_code == 400 and "no qualification" in empty.json()["detail"]
    assert WorkPermit.objects.filter(contractor__isnull=False).count() == 1


def test_the_park_sees_contractors_whose_qualifications_expire(park, api, client):
    register(api, park["officer1"], park["e1"], days=(400, 10, -3))
    register(api, park["officer2"], park["e2"], code=CODE2, days=(400,), name="海湾检修")
    client.force_login(park["supervisor"])
    html = client.get("/safety/special-work/").content.decode()
    section = html.split('id="qualification-table"')[1].split("</table>")[0]
    assert "Q-1" in section and "Q-2" in section and "Q-0" not in section and "海湾检修" not in section
    assert section.index("Q-2") < section.index("Q-1")  # expired first
    page = client.get("/safety/contractors/").content.decode()
    assert "珠江安装工程有限公司" in page and "海湾检修" in page
    client.force_login(park["officer2"])
    page = client.get("/safety/contractors/").content.decode()
    assert "海湾检修" in page and "珠江安装工程有限公司" not in page


def test_an_officer_records_a_contractor_from_the_page(park, client):
    client.force_login(park["officer1"])
    form = {"enterprise": park["e1"].pk, "name": "南沙防腐", "credit_code": CODE2, "kind": "安全生产许可证",
            "number": "AQ-1", "valid_to": "2099-01-01"}
    assert client.post("/safety/contractors/", form).status_code == 302
    contractor = Contractor.objects.get()
    assert contractor.enterprise == park["e1"] and contractor.qualifications.get().number == "AQ-1"
    refused = client.post("/safety/contractors/", {**form, "enterprise": park["e2"].pk, "credit_code": CODE1})
    assert refused.status_code == 400 and Contractor.objects.count() == 1
    bad = client.post("/safety/contractors/", {**form, "credit_code": "bad"})
    assert bad.status_code == 400 and "GB 32100-2015" in bad.content.decode()


def test_a_qualification_valid_to_the_last_date_there_is_never_lapses():
    # 9999-12-31 has no day after it: it was a 500 when the recolour was scheduled for that day.
    from safety.services import lapse_moment

    assert lapse_moment(dt.date.max) is None
    lapse = lapse_moment(dt.date(2026, 12, 31))
    assert (lapse.date(), lapse.hour, lapse.tzinfo is not None) == (dt.date(2027, 1, 1), 0, True)
