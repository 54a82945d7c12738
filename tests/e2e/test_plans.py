"""A planner publishes a plan in the admin, a commander activates it on an incident, and the
tasks appear live on a second console; marking one done there reaches the commander live."""

import urllib.request

import pytest
from django.contrib.gis.geos import Point

from incidents.models import Incident, IncidentType
from plans.models import Action, Plan, ResponseLevel
from tests.conftest import login

pytestmark = pytest.mark.e2e


@pytest.fixture
def scene(transactional_db, make_user):
    make_user("planner_e", "planner", staff=True)
    make_user("planner_e2", "planner", staff=True)
    commander = make_user("commander_e", "commander")
    make_user("dispatcher_e", "dispatcher")
    itype = IncidentType.objects.create(code="hazmat-leak", klass="accident", name_zh="危险化学品泄漏",
                                        name_en="Hazardous chemical leak")
    plan = Plan.objects.create(code="ZX-E2E", title="Hazmat <special> plan", kind=Plan.Kind.SPECIAL)
    plan.incident_types.set([itype])
    for level, titles in {"IV": ["Send the hazmat unit", "Notify the park"],
                          "III": ["Cordon <the> area", "Notify the park"]}.items():
        lv = ResponseLevel.objects.create(plan=plan, level=level, min_injuries=10 if level == "III" else None)
        for order, title in enumerate(titles, 1):
            Action.objects.create(level=lv, order=order, title=title, time_limit_min=15,
                                  responsible_role="On-site command")
    incident = Incident.objects.create(number="2026-000001", title="Chlorine leak", type=itype,
                                       location=Point(113.66, 22.65, srid=4326), created_by=commander, injuries=12)
    return plan, incident


def _page_with_panel(base_url, incident, page):
    """The incident page once the console shows the plans panel there, else the plans page of it."""
    page.goto(f"{base_url}/incidents/{incident.pk}/")
    if page.locator("#plans-panel").count():
        return f"{base_url}/incidents/{incident.pk}/"
    return f"{base_url}/plans/incidents/{incident.pk}/"


def test_planner_publishes_commander_activates_second_console_sees_tasks_live(daphne_server, browser, scene):
    plan, incident = scene
    planner_ctx = browser.new_context(locale="en-US")
    commander_ctx = browser.new_context(locale="en-US")
    watcher_ctx = browser.new_context(locale="en-US")
    try:
        admin = planner_ctx.new_page()
        # Four eyes: one planner submits, another publishes.
        for who, action, message in (("planner_e", "submit_for_review", "is under review"),
                                     ("planner_e2", "publish", "is published")):
            admin.context.clear_cookies()
            login(admin, daphne_server, who)
            admin.goto(f"{daphne_server}/admin/plans/plan/")
            admin.check(f"input[name=_selected_action][value='{plan.pk}']")
            admin.select_option("select[name=action]", action)
            admin.click("button[name=index]")
            assert message in admin.locator("ul.messagelist").inner_text()
        admin.goto(f"{daphne_server}/admin/plans/plan/{plan.pk}/change/")
        assert "Published" in admin.locator(".field-status").inner_text()

        commander = commander_ctx.new_page()
        login(commander, daphne_server, "commander_e")
        url = _page_with_panel(daphne_server, incident, commander)
        watcher = watcher_ctx.new_page()
        login(watcher, daphne_server, "dispatcher_e")
        watcher.goto(url)
        watcher.wait_for_selector("body[data-stream-live='1']")
        assert watcher.locator("#plans-panel tr.task").count() == 0
        assert watcher.locator("#plans-panel .activate-form").count() == 0  # dispatchers do not activate

        commander.goto(url)
        row = commander.locator(f"#plans-panel tr[data-plan='{plan.pk}']")
        assert "Hazmat <special> plan" in row.inner_text()
        # Twelve injuries reach level Ⅲ's threshold: the form proposes Ⅲ.
        assert row.locator("select[name=level]").input_value() == "III"
        row.locator("button[type=submit]").click()
        commander.wait_for_selector("#plans-panel tr.task")
        assert commander.locator("#plans-panel tr.task").count() == 2

        # The second console gets the tasks without a reload.
        watcher.wait_for_selector("#plans-panel tr.task >> nth=1", timeout=15000)
        text = watcher.locator("#plans-panel").inner_text()
        assert "Cordon <the> area" in text and "Notify the park" in text and "On-site command" in text

        # Done on the second console reaches the commander live, with who did it.
        watcher.locator("#plans-panel tr.task", has_text="Cordon <the> area").locator("button.task-done").click()
        commander.wait_for_selector("#plans-panel tr.task[data-status='done']", timeout=15000)
        assert "dispatcher_e" in commander.locator("#plans-panel tr.task[data-status='done']").inner_text()
    finally:
        for ctx in (planner_ctx, commander_ctx, watcher_ctx):
            ctx.close()
    with urllib.request.urlopen(f"{daphne_server}/healthz") as response:
        assert response.status == 200


def test_handover_reaches_the_incoming_officer_live_and_is_confirmed(daphne_server, browser, transactional_db,
                                                                     make_user):
    import datetime as dt

    from django.utils import timezone

    from plans.models import DutyPost, Handover, Shift

    outgoing = make_user("duty_e", "duty_officer")
    incoming = make_user("duty_e2", "duty_officer")
    post = DutyPost.objects.create(code="OFFICER", name="Duty officer")
    now = timezone.now()
    Shift.objects.create(post=post, person=outgoing, start=now - dt.timedelta(hours=11), end=now + dt.timedelta(hours=1))
    Shift.objects.create(post=post, person=incoming, start=now + dt.timedelta(hours=1), end=now + dt.timedelta(hours=13))
    out_ctx, in_ctx = browser.new_context(locale="en-US"), browser.new_context(locale="en-US")
    try:
        receiver = in_ctx.new_page()
        login(receiver, daphne_server, "duty_e2")
        receiver.goto(f"{daphne_server}/plans/duty/")
        receiver.wait_for_selector("body[data-stream-live='1']")
        giver = out_ctx.new_page()
        login(giver, daphne_server, "duty_e")
        giver.goto(f"{daphne_server}/plans/duty/")
        giver.fill("#handover textarea[name=note]", "Pump at <Gate 3> still running.")
        giver.click("#handover button[type=submit]")
        giver.wait_for_selector(".handover")

        button = receiver.wait_for_selector(".handover button[type=submit]", timeout=15000)
        assert "Pump at <Gate 3> still running." in receiver.locator(".handover").inner_text()
        button.click()
        receiver.wait_for_selector(".handover >> text=Receipt confirmed")
        assert Handover.objects.get().confirmed_at is not None
    finally:
        out_ctx.close()
        in_ctx.close()
