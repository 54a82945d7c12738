"""The evaluation after a drill, findings and plan revisions, drills due, and bad input."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import Event
from drills import selectors, services
from drills.models import Drill, InjectRun, RevisionTask
from incidents import services as incident_services
from plans import services as plan_services
from plans.models import Action, Plan, ResponseLevel
from tests.drills.conftest import HAZMAT

pytestmark = pytest.mark.django_db


@pytest.fixture
def onsite_plan(district, planner):
    plan = Plan.objects.create(code="XC-T-01", title="液氯泄漏现场处置方案", kind=Plan.Kind.ONSITE,
                               status=Plan.Status.PUBLISHED, published_at=timezone.now(), published_by=planner,
                               effective_date=timezone.localdate() - dt.timedelta(days=400))
    level = ResponseLevel.objects.create(plan=plan, level="III")
    Action.objects.create(level=level, order=1, title="设置警戒区", time_limit_min=10)
    Action.objects.create(level=level, order=2, title="疏散下风向人员", time_limit_min=20)
    return plan


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _play_all(drill):
    for run in drill.runs.order_by("due_at", "id"):
        services.inject_play(run_id=run.pk)


def test_evaluation_compares_the_drill_with_the_plan(make_scenario, onsite_plan, director, make_unit, commander):
    scenario = make_scenario((0, "call"), (60, "message"), plan=onsite_plan)
    unit = make_unit("HZ9", responder="crew9", **HAZMAT)
    client = _client(director)
    created = client.post("/api/v1/drills/", {"scenario": scenario.pk, "speed": 1, "start": True}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "running" and body["exercise"] is True and body["label"] == "演练 / EXERCISE"
    drill = Drill.objects.get(pk=body["id"])
    _play_all(drill)
    incident = drill.incidents.get()
    [assignment] = incident_services.assignment_create(actor=director, incident_id=incident.pk, resource_ids=[unit.pk])
    crew = unit.responders.get().user
    incident_services.assignment_acknowledge(actor=crew, assignment_id=assignment.pk)
    incident_services.assignment_set_status(actor=crew, assignment_id=assignment.pk, status="on_scene")
    activation = plan_services.plan_activate(actor=director, incident_id=incident.pk, plan_id=onsite_plan.pk,
                                             level="III")
    first_task = activation.tasks.order_by("order").first()
    plan_services.task_done(actor=director, task_id=first_task.pk)

    ended = client.post(f"/api/v1/drills/{drill.pk}/end/", {"summary": "警戒及时，疏散偏慢。"}, format="json")
    assert ended.status_code == 200, ended.content
    unit.refresh_from_db()
    incident.refresh_from_db()
    assert unit.status == "available" and incident.status == "closed"
    assert Event.objects.get(type="drill.ended").payload["exercise"] is True

    report = client.get(f"/api/v1/drills/{drill.pk}/report/").json()
    assert report["exercise"] is True and report["plan"]["code"] == "XC-T-01"
    assert report["plan_activated_at"] is not None and report["plan_activation_s"] >= 0
    assert [i["status"] for i in report["injects"]] == ["fired", "fired"]
    [item] = report["incidents"]
    assert item["exercise"] is True
    intervals = {i["key"]: i for i in item["response"]["intervals"]}
    assert intervals["call_to_dispatch"]["seconds"] >= 0 and intervals["call_to_dispatch"]["target_s"] == 60
    assert intervals["dispatch_to_ack"]["seconds"] is not None
    assert intervals["dispatch_to_on_scene"]["seconds"] is not None
    [unit_row] = item["response"]["units"]
    assert unit_row["unit"] == unit.name and unit_row["acknowledged_at"] and unit_row["on_scene_at"]
    verdicts = {t["title"]: t["verdict"] for t in item["tasks"]}
    assert verdicts == {"设置警戒区": "on_time", "疏散下风向人员": "open"}
    who = {w["who"]: set(w["kinds"]) for w in report["who_did_what"]}
    assert {"dispatch", "task.done"} <= who["director_t"]
    assert "acknowledged" in who["crew9"] and "on_scene" in who["crew9"]

    # The evaluator's findings (AQ/T 9009), one of which opens a revision of the plan.
    finding = _client(commander).post(f"/api/v1/drills/{drill.pk}/findings/", {
        "category": "corrective", "element": "public", "text": "疏散通知晚于预案要求 10 分钟。",
        "recommendation": "预案增加学校联系人。"}, format="json")
    assert finding.status_code == 201, finding.content
    revision = _client(commander).post(f"/api/v1/findings/{finding.json()['id']}/revision/", {}, format="json")
    assert revision.status_code == 201 and revision.json()["plan"]["code"] == "XC-T-01"
    again = _client(commander).post(f"/api/v1/findings/{finding.json()['id']}/revision/", {}, format="json")
    assert again.status_code == 409 and RevisionTask.objects.count() == 1
    report = client.get(f"/api/v1/drills/{drill.pk}/report/").json()
    assert report["findings"][0]["revision_task"] == revision.json()["id"]

    # Issue 22.10: the report page says who did what in words, not "call, dispatch, logged".
    from django.test import Client as PageClient

    page = PageClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    page.force_login(commander)
    html = page.get(f"/drills/{drill.pk}/report/").content.decode()
    assert "到达现场" in html and "调派" in html
    who_did_what = html[html.index("<td>crew9</td>"):].split("</tr>", 1)[0]
    assert "到达现场" in who_did_what and "on_scene" not in who_did_what and "acknowledged" not in who_did_what
    assert "task.done" not in html and "dispatch, " not in html

    # The plan was drilled just now: no longer overdue.
    due = {r["plan"]["code"]: r for r in client.get("/api/v1/drills/due/").json()}
    assert due["XC-T-01"]["overdue"] is False and due["XC-T-01"]["last_drill"] is not None


def test_drills_due_every_six_months_and_overdue_flagged(onsite_plan, planner, make_scenario, director):
    special = Plan.objects.create(code="ZX-T-01", title="专项预案", kind=Plan.Kind.SPECIAL,
                                  status=Plan.Status.PUBLISHED, published_at=timezone.now(),
                                  effective_date=timezone.localdate() - dt.timedelta(days=100))
    rows = {r.plan.code: r for r in selectors.drills_due()}
    assert rows["XC-T-01"].interval_months == 6 and rows["XC-T-01"].overdue is True
    # A special plan naming no enterprise is the district's own: every two years (条例 Art. 8).
    assert rows["ZX-T-01"].interval_months == 24 and rows["ZX-T-01"].overdue is False
    assert rows["ZX-T-01"].due_on == selectors._add_months(special.effective_date, 24)
    # A drill ended seven months ago does not reset it; one ended last month does.
    scenario = make_scenario(plan=onsite_plan)
    old = timezone.now() - dt.timedelta(days=214)
    Drill.objects.create(scenario=scenario, status="ended", created_by=director, started_at=old, started_by=director,
                         ended_at=old)
    assert {r.plan.code: r for r in selectors.drills_due()}["XC-T-01"].overdue is True
    recent = timezone.now() - dt.timedelta(days=30)
    Drill.objects.create(scenario=scenario, status="ended", created_by=director, started_at=recent,
                         started_by=director, ended_at=recent)
    assert {r.plan.code: r for r in selectors.drills_due()}["XC-T-01"].overdue is False


def test_bad_input_is_refused_with_a_message_and_nothing_half_written(make_scenario, director, duty_officer,
                                                                      commander, viewer):
    scenario = make_scenario((0, "call"), (60, "message"))
    client = _client(director)
    drill_id = client.post("/api/v1/drills/", {"scenario": scenario.pk}, format="json").json()["id"]

    # Ending a drill that is not running.
    not_running = client.post(f"/api/v1/drills/{drill_id}/end/", {}, format="json")
    assert not_running.status_code == 409 and "not running" in not_running.json()["detail"]
    # Injects in the past: a start time before now.
    past = (timezone.now() - dt.timedelta(minutes=10)).isoformat()
    late = client.post(f"/api/v1/drills/{drill_id}/start/", {"start_at": past}, format="json")
    assert late.status_code == 400 and "past" in late.json()["detail"]
    assert Drill.objects.get(pk=drill_id).status == "planned" and not InjectRun.objects.exists()
    # Starting twice.
    assert client.post(f"/api/v1/drills/{drill_id}/start/", {}, format="json").status_code == 200
    runs = InjectRun.objects.count()
    twice = client.post(f"/api/v1/drills/{drill_id}/start/", {}, format="json")
    assert twice.status_code == 409 and "only once" in twice.json()["detail"]
    assert InjectRun.objects.count() == runs == 2
    # A finding before the drill has ended.
    early = _client(commander).post(f"/api/v1/drills/{drill_id}/findings/", {"category": "deficiency",
                                                                            "text": "x"}, format="json")
    assert early.status_code == 409
    # Wrong speed, unknown scenario and drill, unknown field, wrong roles.
    assert client.post("/api/v1/drills/", {"scenario": scenario.pk, "speed": 0}, format="json").status_code == 400
    assert client.post("/api/v1/drills/", {"scenario": scenario.pk, "speed": 61}, format="json").status_code == 400
    assert client.post("/api/v1/drills/", {"scenario": 999999}, format="json").status_code == 404
    assert client.post("/api/v1/drills/", {"scenario": scenario.pk, "sped": 2}, format="json").status_code == 400
    assert client.post("/api/v1/drills/", ["x"], format="json").status_code == 400
    assert client.post("/api/v1/drills/999999/end/", {}, format="json").status_code == 404
    assert client.post(f"/api/v1/drills/{drill_id}/release-units/", {"x": 1}, format="json").status_code == 400
    assert _client(duty_officer).post(f"/api/v1/drills/{drill_id}/end/", {}, format="json").status_code == 403
    assert _client(viewer).post("/api/v1/drills/", {"scenario": scenario.pk}, format="json").status_code == 403
    assert APIClient().get("/api/v1/drills/").status_code in (401, 403)
    live = make_scenario((0, "call"))
    live.kind = "live"
    live.save()
    fast_live = client.post("/api/v1/drills/", {"scenario": live.pk, "speed": 5}, format="json")
    assert fast_live.status_code == 400 and "real time" in fast_live.json()["detail"]


def test_inject_validation_names_what_is_missing(district):
    from django.core.exceptions import ValidationError

    from drills.models import Inject, Scenario

    scenario = Scenario.objects.create(title="t")
    inject = Inject(scenario=scenario, offset_s=0, kind="release", chemical_cas="7782-50-5")
    with pytest.raises(ValidationError) as excinfo:
        inject.full_clean()
    assert {"rate_kg_s", "wind_speed_ms", "wind_from_deg", "stability"} <= set(excinfo.value.message_dict)
    with pytest.raises(ValidationError):
        Inject(scenario=scenario, offset_s=-5, kind="message", text="x").full_clean()


def test_a_faster_drill_shrinks_the_plans_time_limits(make_scenario, onsite_plan, director):
    """At 10×, a task due 10 minutes after activation is due after 1 minute."""
    scenario = make_scenario((0, "call"), plan=onsite_plan)
    drill = services.drill_start(actor=director, drill_id=services.drill_plan(
        actor=director, scenario_id=scenario.pk, speed=10).pk)
    _play_all(drill)
    incident = drill.incidents.get()
    activation = plan_services.plan_activate(actor=director, incident_id=incident.pk, plan_id=onsite_plan.pk,
                                             level="III")
    guard, evacuate = activation.tasks.order_by("order")  # 10 and 20 minutes in the plan
    at = activation.activated_at
    guard.status, guard.done_at, guard.done_by = "done", at + dt.timedelta(seconds=50), director
    guard.save()
    evacuate.status, evacuate.done_at, evacuate.done_by = "done", at + dt.timedelta(seconds=150), director
    evacuate.save()
    rows = {t["title"]: t for t in selectors.drill_evaluation(drill)["incidents"][0]["tasks"]}
    assert rows["设置警戒区"]["verdict"] == "on_time"  # due after 60 s
    assert rows["疏散下风向人员"]["verdict"] == "late" and rows["疏散下风向人员"]["late_s"] == 30  # due after 120 s
    real_time = {t["title"]: t["verdict"] for t in selectors.incident_tasks(incident)}
    assert real_time == {"设置警戒区": "on_time", "疏散下风向人员": "on_time"}


def test_plan_events_of_an_exercise_say_so(make_scenario, onsite_plan, director):
    from core.models import Event

    drill = services.drill_plan(actor=director, scenario_id=make_scenario((0, "call"), plan=onsite_plan).pk,
                                start=True)
    _play_all(drill)
    plan_services.plan_activate(actor=director, incident_id=drill.incidents.get().pk, plan_id=onsite_plan.pk,
                                level="III")
    for type_ in ("activation.created", "task.created"):
        events = Event.objects.filter(type=type_)
        assert events and all(e.payload["incident"]["exercise"] is True for e in events), type_


def test_hazardous_chemical_enterprises_drill_every_six_months_and_district_plans_every_two_years(db):
    """Issue 25 point 9 (生产安全事故应急条例 Art. 8; 应急预案管理办法 Art. 33)."""
    from django.contrib.gis.geos import Point

    from hazards.models import Enterprise

    plant = Enterprise.objects.create(code="EH", name="某化工", location=Point(113.66, 22.65, srid=4326))
    start = timezone.localdate() - dt.timedelta(days=200)
    enterprise_special = Plan.objects.create(code="ZX-E", title="企业专项预案", kind=Plan.Kind.SPECIAL,
                                             status=Plan.Status.PUBLISHED, effective_date=start)
    enterprise_special.enterprises.add(plant)
    Plan.objects.create(code="ZT-D", title="区总体预案", kind=Plan.Kind.OVERALL, status=Plan.Status.PUBLISHED,
                        effective_date=start)
    rows = {r.plan.code: r for r in selectors.drills_due()}
    # An enterprise special plan would be yearly (办法 Art. 33), but a hazchem enterprise drills half-yearly.
    assert rows["ZX-E"].interval_months == 6 and rows["ZX-E"].overdue is True
    assert rows["ZT-D"].interval_months == 24 and rows["ZT-D"].overdue is False
