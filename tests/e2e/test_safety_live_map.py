"""Issue 12 points 2 and 5, live: a permit an enterprise officer starts from the phone appears on
the park supervisor's open four-colour map and on a commander's console map, and the colour a
major hidden danger gives the enterprise reaches both, without a reload (work_permit.updated and
enterprise.colour_changed on the stream; both maps refetch the layer an event changes)."""

import datetime as dt

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from core.roles import COMMANDER, ENTERPRISE_OFFICER, SAFETY_SUPERVISOR
from hazards.models import Enterprise
from safety.models import EnterpriseMembership, WorkPermit
from tests.conftest import login

pytestmark = pytest.mark.e2e


@pytest.fixture
def scene(transactional_db, make_user, settings):
    settings.SAFETY_COMMITMENT_DUE_HOUR = 24  # the colour moves only with what this test does
    enterprise = Enterprise.objects.create(code="E7", name="七号化工", location=Point(113.66, 22.65, srid=4326))
    officer = make_user("officer_m", ENTERPRISE_OFFICER)
    EnterpriseMembership.objects.create(user=officer, enterprise=enterprise)
    make_user("supervisor_m", SAFETY_SUPERVISOR)
    make_user("commander_m", COMMANDER)
    from safety import services

    services.enterprise_colour_recompute(enterprise_id=enterprise.pk)  # blue: nothing open
    return enterprise


def test_a_started_permit_and_a_new_colour_appear_on_open_maps(daphne_server, browser, scene):
    supervisor_ctx = browser.new_context(locale="en-US")
    commander_ctx = browser.new_context(locale="en-US")
    officer_ctx = browser.new_context(locale="en-US", viewport={"width": 390, "height": 844})  # a phone
    try:
        supervisor = supervisor_ctx.new_page()
        login(supervisor, daphne_server, "supervisor_m")
        supervisor.goto(f"{daphne_server}/safety/map/")
        supervisor.wait_for_selector("#safety-map[data-loaded='1']")
        supervisor.wait_for_selector("body[data-stream-live='1']")
        safety_map = supervisor.locator("#safety-map")
        assert safety_map.get_attribute("data-work-permits") == "0"
        assert safety_map.get_attribute("data-colours") == "E7:blue"
        supervisor.evaluate("window.sameDocument = true")  # gone if the page reloads

        commander = commander_ctx.new_page()
        login(commander, daphne_server, "commander_m")
        commander.goto(f"{daphne_server}/map/")
        commander.wait_for_selector("body[data-stream-live='1']")
        commander.check("[data-layer='work-permits']")
        commander.wait_for_selector("#map[data-loaded_work_permits='0']")

        officer = officer_ctx.new_page()
        login(officer, daphne_server, "officer_m")
        officer.goto(f"{daphne_server}/safety/permits/new/")
        officer.select_option("select[name=kind]", "height")
        officer.fill("input[name=place]", "3号塔 40 m 平台")
        officer.fill("input[name=height_m]", "40")  # Ⅳ级: the leader in charge approves (Table B.1)
        start = timezone.localtime() - dt.timedelta(minutes=5)
        officer.fill("input[name=valid_from]", start.strftime("%Y-%m-%dT%H:%M"))
        officer.fill("input[name=valid_to]", (start + dt.timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M"))
        officer.click("#permit-form button[type=submit]")
        officer.wait_for_selector("text=Start work")
        assert "Ⅳ级" in officer.inner_text("#permit-size")
        assert officer.input_value("#approval-form select[name=level]") == "principal"
        assert safety_map.get_attribute("data-work-permits") == "0"  # submitted is not in force
        # Approved on site by the enterprise's approver before work starts (GB 30871-2022 4.11).
        officer.fill("#approval-form input[name=approver]", "王厂长")
        officer.check("#approval-form input[name=on_site]")
        officer.click("#approval-form button[type=submit]")
        officer.wait_for_selector("#approval-list li[data-level]")
        officer.click("button:has-text('Start work')")
        officer.wait_for_selector("text=Close")

        # Both open maps draw it, neither reloaded.
        supervisor.wait_for_selector("#safety-map[data-work-permits='1']")
        commander.wait_for_selector("#map[data-loaded_work_permits='1']")
        assert WorkPermit.objects.get().state == "in_progress"

        # A major hidden danger turns the enterprise red on the supervisor's map, live too.
        from safety import services

        services.hidden_danger_report(actor=EnterpriseMembership.objects.get().user, enterprise_id=scene.pk,
                                      title="储罐区可燃气体探测器旁路", criteria=["121-12"],
                                      deadline=timezone.now() + dt.timedelta(days=3))
        supervisor.wait_for_selector("#safety-map[data-colours='E7:red']")
        assert supervisor.evaluate("window.sameDocument === true")

        # The officer's pages fit the phone: nothing scrolls sideways.
        for path in (f"/safety/enterprises/{scene.pk}/", "/safety/permits/", "/safety/hidden-dangers/",
                     "/safety/hidden-dangers/new/", "/safety/permits/new/", "/safety/map/"):
            officer.goto(daphne_server + path)
            width = officer.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert width[0] <= width[1], (path, width)
    finally:
        officer_ctx.close()
        commander_ctx.close()
        supervisor_ctx.close()
