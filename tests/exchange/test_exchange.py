"""Issue 25 point 8: the 双重预防 exchange. An enterprise's own dual-prevention system sends its
risk analysis objects, units, events, control measures, check tasks and hidden dangers with its
own token; the park keeps them by the sender's ids, hidden dangers land in the ledger, and each
enterprise's sync status shows to the park (stale after EXCHANGE_STALE_HOURS)."""

import datetime as dt
import io
import json
import re

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from exchange import services
from exchange.models import CheckTask, HiddenDangerLink, RiskEvent, RiskObject, RiskUnit, Sync
from safety.models import HiddenDanger

URL = "/api/v1/exchange/dual-prevention/"


def later(**kwargs) -> str:
    return timezone.localtime(timezone.now() + dt.timedelta(**kwargs)).strftime("%Y-%m-%d %H:%M:%S")


def batch(**overrides) -> dict:
    body = {
        "companyCode": "E1",
        "riskObjects": [{"id": "O1", "hazardCode": "RS1", "hazardName": "液氯储罐区", "riskLevel": 1,
                         "hazardDep": "储运部", "hazardLiablePerson": "张三"}],
        "riskUnits": [{"id": "U1", "riskObjectId": "O1", "riskUnitName": "1# 液氯储罐"}],
        "riskEvents": [{"id": "EV1", "riskUnitId": "U1", "riskEventName": "储罐泄漏", "riskLevel": 1}],
        "controlMeasures": [{"id": "M1", "riskEventId": "EV1", "riskMeasureDesc": "液位高高联锁",
                             "classify1": "工程技术", "troubleshootContent": "联锁投用"}],
        "checkTasks": [{"id": "T1", "riskMeasureId": "M1", "troubleshootContent": "检查联锁投用状态",
                        "checkCycle": 1, "checkCycleUnit": "day", "workPost": "内操"}],
        "hiddenDangers": [{"id": "H1", "dangerName": "液位计失准", "dangerDesc": "1# 罐液位计偏差 5%",
                           "dangerLevel": 0, "dangerManageDeadline": later(days=10), "riskMeasureId": "M1"}],
    }
    return {**body, **overrides}


@pytest.fixture
def system(park):
    credential, token = services.credential_issue(actor=park["supervisor"], enterprise_id=park["e1"].pk,
                                                  name="企业双重预防系统")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return {"credential": credential, "token": token, "client": client}


def send(system, body):
    return system["client"].post(URL, data=json.dumps(body), content_type="application/json")


def test_a_batch_lands_in_order_and_its_hidden_danger_in_the_ledger(park, system):
    answer = send(system, batch())
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["rejected"] == [] and body["enterprise"] == "E1"
    assert {kind: counts["created"] for kind, counts in body["counts"].items()} == {
        "riskObjects": 1, "riskUnits": 1, "riskEvents": 1, "controlMeasures": 1, "checkTasks": 1, "hiddenDangers": 1}
    task = CheckTask.objects.get(source_id="T1")
    assert (task.measure.event.unit.risk_object.name, task.cycle, task.cycle_unit) == ("液氯储罐区", 1, "day")
    hidden = HiddenDanger.objects.get(enterprise=park["e1"], external_id="H1")
    assert (hidden.title, hidden.level, hidden.state) == ("液位计失准", "general", "reported")
    assert HiddenDangerLink.objects.get(source_id="H1").measure.source_id == "M1"
    # The park sees it: the sync status is up to date, with the counts.
    status = APIClient()
    status.force_authenticate(park["supervisor"])
    rows = {r["enterprise"]["code"]: r for r in status.get("/api/v1/exchange/status/").json()}
    assert rows["E1"]["status"] == "ok" and rows["E1"]["stored"]["hiddenDangers"] == 1
    assert rows["E2"]["status"] == "not_connected"


def test_the_same_batch_again_changes_nothing_and_a_change_updates_by_the_senders_id(park, system):
    body = batch()
    send(system, body)
    again = send(system, body).json()
    assert all(counts["unchanged"] == 1 and counts["created"] == 0 for counts in again["counts"].values())
    assert HiddenDanger.objects.filter(enterprise=park["e1"]).count() == 1
    renamed = dict(body, riskUnits=[{"id": "U1", "riskObjectId": "O1", "riskUnitName": "1# 液氯储罐（改）"}])
    assert send(system, renamed).json()["counts"]["riskUnits"]["updated"] == 1
    assert RiskUnit.objects.get(source_id="U1").name == "1# 液氯储罐（改）"
    deleted = dict(body, riskEvents=[{"id": "EV1", "riskUnitId": "U1", "riskEventName": "储罐泄漏", "deleted": 1}])
    assert send(system, deleted).json()["counts"]["riskEvents"]["deleted"] == 1
    assert RiskEvent.objects.get(source_id="EV1").deleted


def test_bad_items_are_refused_one_by_one_with_their_reason_and_leave_nothing(park, system):
    body = dict(riskObjects=[
        {"id": "O1", "hazardName": "液氯储罐区"},
        {"id": "O2", "hazardName": "bad\u0000name"},          # a NUL byte
        {"id": "O3", "hazardName": "lone \ud800 surrogate"},  # a lone surrogate (valid JSON)
        {"id": "O1", "hazardName": "again"},                  # the same id twice
        {"id": "O4"},                                         # the name missing
        {"id": "O5", "hazardName": "x", "riskLevel": 7},      # out of range
        {"id": "O6", "hazardName": "x", "colour": "red"},     # an unknown field
        {"id": "O\u0000X", "hazardName": "x"},                # a NUL in the id itself
    ], riskUnits=[{"id": "U9", "riskObjectId": "NOPE", "riskUnitName": "orphan"}])
    answer = send(system, body)
    assert answer.status_code == 200
    refused = {(r["kind"], r["index"]): r["error"] for r in answer.json()["rejected"]}
    assert "U+0000" in refused[("riskObjects", 1)] and "hazardName" in refused[("riskObjects", 1)]
    assert "U+D800" in refused[("riskObjects", 2)]
    assert "already item 0" in refused[("riskObjects", 3)]
    assert "hazardName" in refused[("riskObjects", 4)]
    assert "riskLevel" in refused[("riskObjects", 5)]
    assert "colour" in refused[("riskObjects", 6)]
    assert "U+0000" in refused[("riskObjects", 7)]
    assert [r["id"] for r in answer.json()["rejected"] if r["index"] == 7] == ["O\ufffdX"]
    assert "riskObjectId" in refused[("riskUnits", 0)] and "NOPE" in refused[("riskUnits", 0)]
    assert list(RiskObject.objects.values_list("source_id", "name")) == [("O1", "液氯储罐区")]
    assert not RiskUnit.objects.filter(source_id="U9").exists()
    sync = Sync.objects.get(enterprise=park["e1"])
    assert sync.last_success_at is not None and "8 item(s) refused" in sync.last_error


def test_a_hidden_danger_the_ledger_refuses_is_refused_whole(park, system):
    # A major hidden danger marked 整改中 needs the 五到位: refused, and nothing of it reaches the ledger.
    body = batch(hiddenDangers=[{"id": "H2", "dangerName": "氯气泄漏报警仪缺失", "dangerLevel": 1,
                                 "dangerManageDeadline": later(days=30), "dangerState": 0, "controlMeasures": "增设"}])
    answer = send(system, body).json()
    assert answer["counts"]["hiddenDangers"]["rejected"] == 1
    assert "五到位" in answer["rejected"][0]["error"]
    assert not HiddenDanger.objects.filter(external_id="H2").exists()
    assert not HiddenDangerLink.objects.filter(source_id="H2").exists()


def test_a_hidden_danger_moves_on_as_the_sender_says_and_closing_waits_for_the_park(park, system):
    send(system, batch())
    moved = batch(hiddenDangers=[{"id": "H1", "dangerName": "液位计失准", "dangerLevel": 0,
                                  "dangerManageDeadline": later(days=10), "dangerState": 9,
                                  "controlMeasures": "更换液位计", "liablePerson": "李四"}])
    answer = send(system, moved).json()
    assert answer["counts"]["hiddenDangers"]["updated"] == 1
    hidden = HiddenDanger.objects.get(external_id="H1")
    assert hidden.measures == "更换液位计"
    assert hidden.state in ("awaiting_verification", "closed")
    if hidden.state == "awaiting_verification":  # the ledger wants the park's acceptance: said, not refused
        assert answer["notes"] and "awaiting verification" in answer["notes"][0]["note"]


def test_another_enterprises_data_and_other_tokens_are_refused(park, system, api):
    answer = send(system, batch(companyCode="E2"))
    assert answer.status_code == 403 and "E1" in answer.json()["detail"]
    assert not RiskObject.objects.exists()
    assert "another enterprise" in Sync.objects.get(enterprise=park["e1"]).last_error
    # A person's session or token is no system token.
    assert api(park["officer1"]).post(URL, batch(), format="json").status_code in (401, 403)
    assert APIClient().post(URL, data=json.dumps(batch()), content_type="application/json",
                            HTTP_AUTHORIZATION="Token dpx_nothing").status_code == 401
    # E2's officer cannot issue for E1, nor revoke E1's credential.
    assert api(park["officer2"]).post("/api/v1/exchange/credentials/", {"enterprise": park["e1"].pk, "name": "x"},
                                      format="json").status_code == 404
    revoke = f"/api/v1/exchange/credentials/{system['credential'].pk}/revoke/"
    assert api(park["officer2"]).post(revoke).status_code == 404
    assert api(park["officer1"]).post(revoke).status_code == 200
    assert send(system, batch()).status_code == 401


def test_an_enterprise_systems_ids_never_reach_another_enterprises_records(park, system, api):
    send(system, batch())
    credential, token = services.credential_issue(actor=park["officer2"], enterprise_id=park["e2"].pk, name="E2 系统")
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    # E2's system names E1's object id: it is no object of E2's.
    answer = other.post(URL, data=json.dumps({"riskUnits": [{"id": "U1", "riskObjectId": "O1", "riskUnitName": "x"}]}),
                        content_type="application/json").json()
    assert answer["counts"]["riskUnits"]["rejected"] == 1
    assert RiskUnit.objects.get(source_id="U1").enterprise == park["e1"]
    rows = api(park["officer2"]).get("/api/v1/exchange/status/").json()
    assert [r["enterprise"]["code"] for r in rows] == ["E2"]


@pytest.mark.parametrize("raw", ["{not json", "[]", '{"riskObjects": {}}', '{"surprise": []}', "NaN"])
def test_a_malformed_body_is_a_400_that_names_the_problem_and_is_recorded(park, system, raw):
    answer = system["client"].post(URL, data=raw, content_type="application/json")
    assert answer.status_code == 400 and answer.json()["detail"]
    assert Sync.objects.get(enterprise=park["e1"]).last_error
    assert not RiskObject.objects.exists()


def test_a_silent_system_goes_stale_on_the_overview_and_its_export(park, system, api, settings):
    settings.EXCHANGE_STALE_HOURS = 24
    rows = api(park["supervisor"]).get("/api/v1/oversight/?category=exchange_sync").json()
    assert [(r["enterprise"]["code"], r["status"]) for r in rows] == [("E1", "overdue")]  # connected, never sent
    send(system, batch())
    assert api(park["supervisor"]).get("/api/v1/oversight/?category=exchange_sync").json() == []
    Sync.objects.filter(enterprise=park["e1"]).update(last_success_at=timezone.now() - dt.timedelta(hours=25))
    rows = api(park["supervisor"]).get("/api/v1/oversight/?category=exchange_sync").json()
    assert [(r["enterprise"]["code"], r["status"]) for r in rows] == [("E1", "overdue")]
    sheet = load_workbook(io.BytesIO(api(park["supervisor"]).get("/api/v1/oversight.xlsx?category=exchange_sync")
                                     .content)).active
    assert any("E1" in str(c.value) for row in sheet.iter_rows() for c in row)
    assert api(park["officer2"]).get("/api/v1/oversight/?category=exchange_sync").json() == []
    status = {r["enterprise"]["code"]: r["status"] for r in api(park["supervisor"]).get("/api/v1/exchange/status/").json()}
    assert status["E1"] == "stale"


def test_the_exchange_page_shows_the_status_and_issues_a_token_once(park, client):
    client.force_login(park["supervisor"])
    page = client.get("/exchange/")
    assert page.status_code == 200 and 'data-enterprise="E1"' in page.content.decode()
    issued = client.post("/exchange/credentials/", {"enterprise": park["e2"].pk, "name": "<b>E2 系统</b>"})
    text = issued.content.decode()
    token = re.search(r"<code>(dpx_[A-Za-z0-9_-]{20,})</code>", text).group(1)
    assert issued.status_code == 200 and "&lt;b&gt;E2 系统&lt;/b&gt;" in text
    assert services.credential_for_token(token).enterprise == park["e2"]
    assert token not in client.get("/exchange/").content.decode()  # shown once
    client.force_login(park["officer1"])
    page = client.get("/exchange/").content.decode()
    assert 'data-enterprise="E1"' in page and 'data-enterprise="E2"' not in page


@pytest.mark.parametrize(("deadline", "ok"), [
    ("2026-13-45", False), ("2030-12-31T10:00:00+99:00", False), ("1900-01-01", False), ("soon", False), (20261231, False),
    ("2030-12-31", True), ("2030-12-31T10:00:00+20:00", True), ("2030-12-31 10:00:00", True)])
def test_deadlines_in_the_formats_the_specification_uses_and_no_others(park, system, deadline, ok):
    body = {"hiddenDangers": [{"id": "H9", "dangerName": "x", "dangerLevel": 0, "dangerManageDeadline": deadline}]}
    answer = send(system, body)
    assert answer.status_code == 200
    assert HiddenDanger.objects.filter(external_id="H9").exists() is ok
    if not ok:
        assert "dangerManageDeadline" in answer.json()["rejected"][0]["error"]


def test_too_many_items_in_one_batch_is_refused_whole(park, system):
    body = {"riskObjects": [{"id": f"O{i}", "hazardName": "x"} for i in range(5001)]}
    answer = send(system, body)
    assert answer.status_code == 413 and "5000" in answer.json()["detail"].replace(",", "")
    assert not RiskObject.objects.exists()


def test_the_demo_park_has_one_system_up_to_date_and_one_stale(demo, api):
    from django.contrib.auth import get_user_model

    from command import demo as district

    supervisor = get_user_model().objects.get(username="safety1")
    status = {r["enterprise"]["code"]: r["status"] for r in api(supervisor).get("/api/v1/exchange/status/").json()}
    assert status["E01"] == "ok" and status["E02"] == "stale"
    rows = api(supervisor).get("/api/v1/oversight/?category=exchange_sync").json()
    assert [r["enterprise"]["code"] for r in rows] == ["E02"]
    assert district.load()["exchange_credentials"] == 0


def test_the_specifications_full_items_are_taken_and_its_other_fields_ignored(park, system):
    """A system sending the national specification's items as its public copies show them (a unit
    naming its object by hazardCode, a hidden danger with its source, type, registrant…) is not
    refused for the fields this exchange does not keep; a field of neither is still refused."""
    stamp = {"companyCode": "E1", "createDate": "2026-12-01 08:00:00", "createBy": "张三",
             "updateDate": "2026-12-01 08:00:00", "updateBy": "张三"}
    body = batch()
    body["riskUnits"][0].update(stamp, hazardCode="RS1")
    body["controlMeasures"][0].update(stamp, dataSrc="1", classify3="")
    body["checkTasks"][0].update(stamp, taskStartTime="2026-12-01 08:00:00", workStartTime="08:00:00",
                                 workEndTime="18:00:00", workDayType="0", workType="0", taskNum=1)
    body["hiddenDangers"][0].update(
        stamp, hazardCode="RS1", checkRecordId="R1", registTime="2026-12-01 09:00:00", registrant="李四",
        dangerSrc="1", dangerManageType="1", hazardDangerType="2", dangerReason="老化", hazardCategory=0,
        checkAcceptPerson="", checkAcceptTime="", checkAcceptComment="")
    body["riskEvents"].append({"id": "EV2", "riskUnitId": "U1", "riskEventName": "x", "riskColour": "red"})  # neither
    answer = send(system, body)
    assert answer.status_code == 200, answer.content
    counts = answer.json()["counts"]
    assert {kind: counts[kind]["created"] for kind in ("riskUnits", "controlMeasures", "checkTasks",
                                                      "hiddenDangers")} == dict.fromkeys(
        ("riskUnits", "controlMeasures", "checkTasks", "hiddenDangers"), 1)
    [refused] = answer.json()["rejected"]
    assert refused["kind"] == "riskEvents" and "riskColour" in refused["error"]
    assert CheckTask.objects.get(source_id="T1").content == "检查联锁投用状态"
