import io

import pytest
from openpyxl import Workbook

from core.errors import DomainError
from plans import selectors, services
from plans.models import Action, Plan, ResponseLevel
from tests.plans.conftest import make_plan


@pytest.fixture
def second_planner(make_user):
    from core import roles

    return make_user("planner_two", roles.PLANNER, staff=True)


def test_review_then_publish_retires_the_previous_version(hazmat_type, planner, second_planner, commander):
    v1 = make_plan(code="P", types=[hazmat_type])
    v2 = services.plan_new_version(actor=planner, plan_id=v1.pk)
    assert (v2.version, v2.status, v2.previous_id) == (2, "draft", v1.pk)
    assert list(v2.incident_types.all()) == [hazmat_type]
    assert Action.objects.filter(level__plan=v2).count() == Action.objects.filter(level__plan=v1).count() == 6

    with pytest.raises(DomainError) as err:
        services.plan_publish(actor=planner, plan_id=v2.pk)
    assert "under review" in err.value.message
    services.plan_submit_for_review(actor=planner, plan_id=v2.pk)
    services.plan_publish(actor=second_planner, plan_id=v2.pk)
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert v1.status == "retired" and v2.status == "published"
    assert v2.published_by == second_planner and v2.effective_date is not None
    # Old versions stay readable, with their history.
    assert v1.history.count() >= 2 and v1.levels.count() == 3


def test_only_planners_change_plans(hazmat_type, commander, duty_officer):
    draft = make_plan(code="D", status=Plan.Status.DRAFT)
    for user in (commander, duty_officer):
        with pytest.raises(DomainError) as err:
            services.plan_submit_for_review(actor=user, plan_id=draft.pk)
        assert err.value.status == 403


def test_an_incomplete_plan_cannot_go_to_review(planner):
    plan = Plan.objects.create(code="EMPTY", title="空预案", kind=Plan.Kind.SPECIAL)
    with pytest.raises(DomainError) as err:
        services.plan_submit_for_review(actor=planner, plan_id=plan.pk)
    assert "no response levels" in err.value.message
    ResponseLevel.objects.create(plan=plan, level="IV")
    with pytest.raises(DomainError) as err:
        services.plan_submit_for_review(actor=planner, plan_id=plan.pk)
    assert "Level Ⅳ has no actions" in err.value.message


class Upload(io.BytesIO):
    def __init__(self, data: bytes, name: str):
        super().__init__(data)
        self.name = name


def test_actions_import_from_csv_all_or_nothing(agency, planner):
    plan = make_plan(code="IMP", status=Plan.Status.DRAFT, levels={"IV": [("a", 5)], "III": [("b", 5)]})
    good = ("level,order,title,instructions,responsible_agency,responsible_role,time_limit_min\n"
            "IV,2,封控现场,拉警戒线,FIRE,现场指挥部,15\nIII,3,发布预警,,,,20\n")
    created, errors = services.plan_actions_import(
        actor=planner, plan_id=plan.pk, rows=services.plans.parse_action_file(Upload(good.encode("utf-8-sig"), "a.csv")))
    assert (created, errors) == (2, [])
    added = Action.objects.get(title="封控现场")
    assert added.responsible_agency == agency and added.time_limit_min == 15

    bad = ("level,order,title,instructions,responsible_agency,responsible_role,time_limit_min\n"
           "IV,1,ok,,,,10\nI,1,no such level,,,,10\nIV,1,,,,,10\nIV,1,x,,NOPE,,10\nIV,x,y,,,,10\n")
    created, errors = services.plan_actions_import(
        actor=planner, plan_id=plan.pk, rows=services.plans.parse_action_file(Upload(bad.encode(), "b.csv")))
    assert created == 0
    assert [e.split(":")[0] for e in errors] == ["Row 3", "Row 4", "Row 5", "Row 6"]
    assert "no level I" in errors[0] and "NOPE" in errors[2]
    assert not Action.objects.filter(title="ok").exists()


def test_actions_import_from_excel_and_export_round_trip(planner):
    plan = make_plan(code="XL", status=Plan.Status.DRAFT, levels={"IV": [("a", 5)]})
    book = Workbook()
    book.active.append(["level", "order", "title", "instructions", "responsible_agency", "responsible_role",
                        "time_limit_min"])
    book.active.append(["IV", 2, "疏散群众", "向上风向疏散", None, "街道办", 30])
    out = io.BytesIO()
    book.save(out)
    created, errors = services.plan_actions_import(
        actor=planner, plan_id=plan.pk, rows=services.plans.parse_action_file(Upload(out.getvalue(), "x.xlsx")))
    assert (created, errors) == (1, [])
    rows = selectors.plan_action_rows(plan)
    assert rows[-1] == {"level": "IV", "order": 2, "title": "疏散群众", "instructions": "向上风向疏散",
                        "responsible_agency": "", "responsible_role": "街道办", "time_limit_min": 30}


def test_a_published_plan_refuses_imports_and_bad_files(plan, planner):
    with pytest.raises(DomainError) as err:
        services.plan_actions_import(actor=planner, plan_id=plan.pk, rows=[{"level": "IV", "title": "x"}])
    assert err.value.status == 409 and "new version" in err.value.message
    with pytest.raises(DomainError):
        services.plans.parse_action_file(Upload(b"garbage", "x.xlsx"))
    with pytest.raises(DomainError):
        services.plans.parse_action_file(Upload(b"a,b", "x.txt"))


def test_four_eyes_the_submitter_cannot_publish_their_own_plan(planner, second_planner):
    """Issue 13 point 16: a second planner approves (PLAN_FOUR_EYES, on by default)."""
    draft = make_plan(code="FE", status=Plan.Status.DRAFT)
    services.plan_submit_for_review(actor=planner, plan_id=draft.pk)
    with pytest.raises(DomainError) as err:
        services.plan_publish(actor=planner, plan_id=draft.pk)
    assert err.value.status == 403 and "another planner must approve" in err.value.message
    draft.refresh_from_db()
    assert draft.status == "review"
    assert services.plan_publish(actor=second_planner, plan_id=draft.pk).status == "published"


def test_four_eyes_remembers_the_last_submission(planner, second_planner):
    """Sent back to draft and resubmitted by the other planner: now the first may publish."""
    draft = make_plan(code="FE2", status=Plan.Status.DRAFT)
    services.plan_submit_for_review(actor=planner, plan_id=draft.pk)
    draft.refresh_from_db()
    draft.status = Plan.Status.DRAFT
    draft._history_user = second_planner
    draft.save()
    services.plan_submit_for_review(actor=second_planner, plan_id=draft.pk)
    with pytest.raises(DomainError):
        services.plan_publish(actor=second_planner, plan_id=draft.pk)
    assert services.plan_publish(actor=planner, plan_id=draft.pk).published_by == planner


def test_four_eyes_can_be_switched_off(settings, planner):
    settings.PLAN_FOUR_EYES = False
    draft = make_plan(code="FE3", status=Plan.Status.DRAFT)
    services.plan_submit_for_review(actor=planner, plan_id=draft.pk)
    assert services.plan_publish(actor=planner, plan_id=draft.pk).status == "published"


def test_four_eyes_in_the_admin_action(client, planner, second_planner):
    draft = make_plan(code="FE4", status=Plan.Status.DRAFT)
    client.force_login(planner)
    client.post("/admin/plans/plan/", {"action": "submit_for_review", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.status == "review"
    page = client.post("/admin/plans/plan/", {"action": "publish", "_selected_action": [draft.pk]}, follow=True)
    draft.refresh_from_db()
    assert draft.status == "review" and "another planner must approve" in page.content.decode()
    client.force_login(second_planner)
    client.post("/admin/plans/plan/", {"action": "publish", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.status == "published" and draft.published_by == second_planner


def test_an_edit_during_review_sends_the_plan_back_and_the_editor_cannot_publish_it(planner, second_planner):
    """Issue 22: a second planner submits; planner1 edits during review, then publishes himself."""
    draft = make_plan(code="FE5", status=Plan.Status.DRAFT)
    services.plan_submit_for_review(actor=second_planner, plan_id=draft.pk)
    edited = services.plan_edited(actor=planner, plan_id=draft.pk)
    assert edited.status == "draft"
    with pytest.raises(DomainError) as err:
        services.plan_publish(actor=planner, plan_id=draft.pk)
    assert err.value.status == 409  # a draft is not published at all
    # Resubmitted by the other planner, the editor still cannot publish his own edit.
    services.plan_submit_for_review(actor=second_planner, plan_id=draft.pk)
    with pytest.raises(DomainError) as err:
        services.plan_publish(actor=planner, plan_id=draft.pk)
    assert err.value.status == 403 and "edited" in err.value.message
    draft.refresh_from_db()
    assert draft.status == "review"
    # The usual way: the editor resubmits, and the other planner reviews and publishes.
    edited = services.plan_edited(actor=planner, plan_id=draft.pk)
    services.plan_submit_for_review(actor=planner, plan_id=draft.pk)
    assert services.plan_publish(actor=second_planner, plan_id=draft.pk).published_by == second_planner


def test_an_admin_edit_of_a_plan_an_action_or_an_import_in_review_sends_it_back(client, planner, second_planner):
    draft = make_plan(code="FE6", status=Plan.Status.DRAFT)
    services.plan_submit_for_review(actor=second_planner, plan_id=draft.pk)
    action = Action.objects.filter(level__plan=draft).first()
    client.force_login(planner)
    page = client.get(f"/admin/plans/action/{action.pk}/change/")
    form = page.context["adminform"].form
    data = {name: ("" if value is None else value) for name, value in form.initial.items()}
    data.update({"level": action.level_id, "title": "改过的动作", "responsible_agency": ""})
    response = client.post(f"/admin/plans/action/{action.pk}/change/", data, follow=True)
    assert response.status_code == 200
    action.refresh_from_db()
    assert action.title == "改过的动作"
    draft.refresh_from_db()
    assert draft.status == "draft" and "back to draft" in response.content.decode()
    # Publishing from the list after resubmission: refused for the editor, with the reason shown.
    services.plan_submit_for_review(actor=second_planner, plan_id=draft.pk)
    page = client.post("/admin/plans/plan/", {"action": "publish", "_selected_action": [draft.pk]}, follow=True)
    draft.refresh_from_db()
    assert draft.status == "review" and "during its review" in page.content.decode()
    # An actions import during review is an edit too.
    rows = [{"level": "IV", "order": "9", "title": "加一条", "time_limit_min": "5"}]
    assert services.plan_actions_import(actor=second_planner, plan_id=draft.pk, rows=rows) == (1, [])
    draft.refresh_from_db()
    assert draft.status == "draft"
