import datetime as dt
import io

from django.template import Context, RequestContext, Template
from django.test import RequestFactory
from django.utils import timezone
from openpyxl import load_workbook

from plans.models import Activation, DutyPost, Plan, Shift, Task
from tests.plans.conftest import make_plan


def test_incident_panel_shows_matches_and_activate_form_for_commanders_only(client, plan, incident, commander, viewer):
    client.force_login(commander)
    page = client.get(f"/plans/incidents/{incident.pk}/").content.decode()
    assert "HZ-T 预案" in page and 'name="plan"' in page and "activate-form" in page
    client.force_login(viewer)
    page = client.get(f"/plans/incidents/{incident.pk}/").content.decode()
    assert "HZ-T 预案" in page and "activate-form" not in page


def test_panel_tag_renders_inside_any_page(rf, plan, incident, commander):
    request = RequestFactory().get(f"/incidents/{incident.pk}/")
    request.user = commander
    html = Template("{% load plans_tags %}{% incident_plans_panel incident %}").render(
        RequestContext(request, {"incident": incident}))
    assert 'id="plans-panel"' in html and f'value="/incidents/{incident.pk}/"' in html
    assert "plans/panel.js" in html


def test_activate_raise_done_and_end_through_the_console_forms(client, plan, incident, commander):
    client.force_login(commander)
    next_url = f"/plans/incidents/{incident.pk}/"
    response = client.post(f"/plans/incidents/{incident.pk}/activate/", {"plan": plan.pk, "level": "IV", "next": next_url})
    assert response.status_code == 302 and response["Location"] == next_url
    activation = Activation.objects.get()
    page = client.get(next_url).content.decode()
    assert "通知园区管委会" in page and "task-done" in page and "raise-form" in page
    raise_form = page[page.index("raise-form"):]
    assert raise_form.index('value="III"') < raise_form.index('value="II"')  # one step up comes first

    client.post(f"/plans/activations/{activation.pk}/raise/", {"level": "III", "next": next_url})
    assert activation.tasks.count() == 4
    task = activation.tasks.first()
    client.post(f"/plans/tasks/{task.pk}/done/", {"next": next_url})
    task.refresh_from_db()
    assert task.status == "done"
    response = client.post(f"/plans/activations/{activation.pk}/end/", {"reason": "", "next": next_url}, follow=True)
    assert "Give a reason" in response.content.decode() or "原因" in response.content.decode()
    client.post(f"/plans/activations/{activation.pk}/end/", {"reason": "险情排除", "next": "https://evil.example/"})
    activation.refresh_from_db()
    assert activation.status == "ended" and activation.tasks.filter(status="closed").count() == 3


def test_console_forms_refuse_wrong_roles(client, plan, incident, viewer, outsider):
    client.force_login(viewer)
    response = client.post(f"/plans/incidents/{incident.pk}/activate/", {"plan": plan.pk, "level": "IV"}, follow=True)
    assert "Only commanders" in response.content.decode() or "指挥长" in response.content.decode()
    assert not Activation.objects.exists()
    client.force_login(outsider)
    assert client.get(f"/plans/incidents/{incident.pk}/").status_code == 403
    assert client.get("/plans/duty/").status_code == 403


def test_plan_document_shows_levels_actions_and_hides_drafts_from_console(client, plan, viewer, planner):
    client.force_login(viewer)
    page = client.get(f"/plans/{plan.pk}/document/").content.decode()
    assert "派出危化品处置车" in page and "data-print" in page
    draft = make_plan(code="DR", status=Plan.Status.DRAFT)
    assert client.get(f"/plans/{draft.pk}/document/").status_code == 403
    client.force_login(planner)
    assert client.get(f"/plans/{draft.pk}/document/").status_code == 200


def test_duty_page_month_view_and_import(client, planner, duty_officer, viewer):
    post = DutyPost.objects.create(code="OFFICER", name="值班员")
    now = timezone.now()
    Shift.objects.create(post=post, person=duty_officer, start=now - dt.timedelta(hours=1), end=now + dt.timedelta(hours=3))
    client.force_login(viewer)
    page = client.get("/plans/duty/").content.decode()
    assert "duty_t" in page and 'id="gaps"' in page and "Import" not in page.split("<main>")[1][:300]
    month = client.get("/plans/duty/month/").content.decode()
    assert "duty_t" in month and "roster-month" in month
    assert client.get("/plans/duty/month/?month=bogus").status_code == 200
    assert client.get("/plans/duty/import/").status_code == 403

    client.force_login(planner)
    csv = io.BytesIO(b"post,username,start,end\nOFFICER,viewer_t,2026-04-01 08:00,2026-04-01 07:00\n")
    csv.name = "r.csv"
    response = client.post("/plans/duty/import/", {"file": csv})
    assert response.status_code == 400 and "Row 2" in response.content.decode()
    csv = io.BytesIO(b"post,username,start,end\nOFFICER,viewer_t,2026-04-01 08:00,2026-04-01 20:00\n")
    csv.name = "r.csv"
    refused = client.post("/plans/duty/import/", {"file": csv})  # a viewer stands no post (issue 13 point 17)
    assert refused.status_code == 400 and "has no duty role" in refused.content.decode()
    csv = io.BytesIO(b"post,username,start,end\nOFFICER,duty_t,2026-04-01 08:00,2026-04-01 20:00\n")
    csv.name = "r.csv"
    assert client.post("/plans/duty/import/", {"file": csv}).status_code == 302
    assert Shift.objects.filter(person=duty_officer).count() == 2 and not Shift.objects.filter(person=viewer).exists()


def test_handover_and_confirm_pages(client, duty_officer, dispatcher):
    post = DutyPost.objects.create(code="OFFICER", name="值班员")
    now = timezone.now()
    Shift.objects.create(post=post, person=duty_officer, start=now - dt.timedelta(hours=7), end=now + dt.timedelta(minutes=30))
    Shift.objects.create(post=post, person=dispatcher, start=now + dt.timedelta(minutes=30), end=now + dt.timedelta(hours=8))
    client.force_login(duty_officer)
    assert "Hand over" in client.get("/plans/duty/").content.decode() or "交班" in client.get("/plans/duty/").content.decode()
    client.post("/plans/duty/handover/", {"note": "一切正常 <script>x</script>"})
    client.force_login(dispatcher)
    page = client.get("/plans/duty/").content.decode()
    assert "&lt;script&gt;" in page and "<script>x" not in page
    handover = post.handovers.get()
    client.post(f"/plans/duty/handover/{handover.pk}/confirm/")
    handover.refresh_from_db()
    assert handover.confirmed_at is not None


def test_calendar_page_gives_a_secret_feed_url_that_can_be_reset(client, duty_officer):
    client.force_login(duty_officer)
    first = client.get("/plans/duty/calendar/").context["feed"]
    assert "/api/v1/people/duty_t/roster.ics?token=" in first
    client.logout()
    assert client.get(first).status_code == 200
    client.force_login(duty_officer)
    second = client.post("/plans/duty/calendar/").context["feed"]
    client.logout()
    assert second != first and client.get(first).status_code == 403 and client.get(second).status_code == 200


def test_admin_publish_action_export_and_import(client, hazmat_type, planner, make_user):
    from core import roles

    reviewer = make_user("planner_rev", roles.PLANNER, staff=True)
    draft = make_plan(code="ADM", status=Plan.Status.DRAFT, types=[hazmat_type])
    client.force_login(reviewer)
    assert client.get(f"/admin/plans/plan/{draft.pk}/change/").status_code == 200
    client.post("/admin/plans/plan/", {"action": "submit_for_review", "_selected_action": [draft.pk]})
    client.force_login(planner)  # a second planner publishes (four-eyes rule)
    client.post("/admin/plans/plan/", {"action": "publish", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.status == "published" and draft.published_by == planner
    # The change history says who and when.
    latest = draft.history.first()
    assert latest.status == "published" and latest.history_user == planner and latest.history_date
    # Published: the object page is read-only.
    page = client.get(f"/admin/plans/plan/{draft.pk}/change/").content.decode()
    assert 'name="_save"' not in page
    assert client.get(f"/admin/plans/plan/{draft.pk}/history/").status_code == 200

    csv = client.get(f"/admin/plans/plan/{draft.pk}/actions.csv")
    assert csv.status_code == 200 and "派出危化品处置车" in csv.content.decode("utf-8-sig")
    xlsx = client.get(f"/admin/plans/plan/{draft.pk}/actions.xlsx")
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("level", "order", "title") and len(rows) == 7

    response = client.post(f"/admin/plans/plan/{draft.pk}/import-actions/", {"file": io.BytesIO(b"x")})
    assert response.status_code in (400, 403)
    client.post("/admin/plans/plan/", {"action": "new_version", "_selected_action": [draft.pk]})
    v2 = Plan.objects.get(code="ADM", version=2)
    upload = io.BytesIO(csv.content)
    upload.name = "actions.csv"
    response = client.post(f"/admin/plans/plan/{v2.pk}/import-actions/", {"file": upload})
    assert response.status_code == 302
    assert Task.objects.count() == 0 and v2.levels.get(level="IV").actions.count() == 4


def test_admin_month_view_of_shifts(client, planner, duty_officer):
    post = DutyPost.objects.create(code="OFFICER", name="值班员")
    now = timezone.now()
    Shift.objects.create(post=post, person=duty_officer, start=now, end=now + dt.timedelta(hours=8))
    client.force_login(planner)
    page = client.get("/admin/plans/shift/month/").content.decode()
    assert "duty_t" in page and "roster-month" in page
    assert "Month view" in client.get("/admin/plans/shift/").content.decode() or "month/" in \
        client.get("/admin/plans/shift/").content.decode()


def test_template_escapes_user_text(plan, incident):
    assert Template("{{ x }}").render(Context({"x": "<b>"})) == "&lt;b&gt;"


def test_pending_task_shows_a_status_and_a_separate_mark_done_button(client, plan, incident, commander):
    """Issue 13 point 13: the status column reads as a status; the action is a labelled button."""
    import re

    client.force_login(commander)
    next_url = f"/plans/incidents/{incident.pk}/"
    client.post(f"/plans/incidents/{incident.pk}/activate/", {"plan": plan.pk, "level": "IV", "next": next_url})
    page = client.get(next_url).content.decode()
    row = re.search(r'<tr data-task="\d+".*?</tr>', page, re.S).group(0)
    status = re.search(r'<td class="task-status">(.*?)</td>', row, re.S).group(1)
    action = re.search(r'<td class="task-action">(.*?)</td>', row, re.S).group(1)
    assert "Pending" in status and "<button" not in status
    assert re.search(r'<button[^>]*class="task-done"[^>]*>Mark done</button>', action)
    task = Activation.objects.get().tasks.first()
    client.post(f"/plans/tasks/{task.pk}/done/", {"next": next_url})
    page = client.get(next_url).content.decode()
    row = re.search(rf'<tr data-task="{task.pk}".*?</tr>', page, re.S).group(0)
    assert "Done" in re.search(r'<td class="task-status">(.*?)</td>', row, re.S).group(1)
    assert "<button" not in re.search(r'<td class="task-action">(.*?)</td>', row, re.S).group(1)


def test_a_serious_incident_triggers_the_plan_at_its_own_level_and_says_why(client, plan, hazmat_type,
                                                                            duty_officer, commander):
    """Issue 13 point 13: a Ⅱ incident with no casualties yet showed the plan's Ⅳ."""
    from tests.plans.conftest import make_incident

    serious = make_incident(duty_officer, hazmat_type, severity="II")
    client.force_login(commander)
    page = client.get(f"/plans/incidents/{serious.pk}/").content.decode()
    row = page[page.index(f'data-plan="{plan.pk}"'):]
    row = row[:row.index("</tr>")]
    assert 'class="sev sev-II"' in row and "incident severity Ⅱ" in row
    assert '<option value="II" selected>' in row
    assert "whichever is higher" in page
