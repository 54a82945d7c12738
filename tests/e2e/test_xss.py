"""Stored XSS: hostile text in every free-text field never runs, on the console, the responder's
phone, the map popups or the admin. Two layers stop it: escaping everywhere, and a CSP that
would refuse an injected script even if one slipped through (tests/security)."""

import datetime as dt
import time

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from alerts import services as alert_services
from incidents import services
from incidents.models import IncidentType
from plans.models import Action, Plan, ResponseLevel
from resources.models import Agency, Resource, Responder
from tests.conftest import login

pytestmark = pytest.mark.e2e

IMG = '<img src=x onerror="window.__xss=1">'
SCRIPT = "<script>window.__xss=1</script>"
SVG = '"><svg onload="window.__xss=1">'
PAYLOAD = f"{IMG}{SCRIPT}{SVG}"
COAST = "22.62,113.55 22.62,113.72 22.74,113.72 22.74,113.55 22.62,113.55"


@pytest.fixture
def hostile(transactional_db, make_user):
    """Every free-text field a person can type into, filled with script."""
    fire = IncidentType.objects.create(code="fire", klass="accident", name_zh="火灾", name_en="Fire",
                                       required_capabilities=["fire_suppression"])
    agency = Agency.objects.create(code="FIRE", name=PAYLOAD[:200])
    unit = Resource.objects.create(code="FE1", name=f"Engine {IMG}"[:100], kind="fire_engine", agency=agency,
                                   capabilities=["fire_suppression"], location=Point(113.6, 22.75, srid=4326))
    crew = make_user("crew1", "responder")
    Responder.objects.create(user=crew, agency=agency, resource=unit)
    boss = make_user("boss", "dispatcher", "duty_officer", "commander")
    boss.first_name = IMG[:150]
    boss.save()
    make_user("root", staff=True).__class__.objects.filter(username="root").update(is_superuser=True)
    incident = services.incident_log(actor=boss, type_code="fire", severity="II", lon=113.6, lat=22.75,
                                     title=PAYLOAD[:200], address=PAYLOAD[:300], caller_name=IMG[:100],
                                     caller_phone=SCRIPT[:32], description=PAYLOAD)
    services.incident_add_note(actor=boss, incident_id=incident.pk, text=PAYLOAD)
    services.incident_record_call(actor=boss, incident_id=incident.pk, caller_name=IMG[:100], note=PAYLOAD)
    [first] = services.assignment_create(actor=boss, incident_id=incident.pk, resource_ids=[unit.pk])
    services.assignment_decline(actor=crew, assignment_id=first.pk, reason=PAYLOAD[:300])
    services.assignment_create(actor=boss, incident_id=incident.pk, resource_ids=[unit.pk])
    plan = Plan.objects.create(code="XSS-1", title=PAYLOAD[:200], kind=Plan.Kind.SPECIAL, status=Plan.Status.PUBLISHED,
                               published_at=timezone.now())
    plan.incident_types.set([fire])
    level = ResponseLevel.objects.create(plan=plan, level="IV")
    Action.objects.create(level=level, order=1, title=PAYLOAD[:200], time_limit_min=10, responsible_agency=agency,
                          responsible_role=IMG[:100])
    from plans import services as plan_services

    plan_services.plan_activate(actor=boss, incident_id=incident.pk, plan_id=plan.pk, level="IV")
    alert = alert_services.alert_create(
        actor=boss, level="yellow", category="Met", event=IMG[:100], headline=PAYLOAD[:160], description=PAYLOAD,
        instructions=PAYLOAD, area=COAST, area_description=PAYLOAD[:300],
        expires=timezone.now() + dt.timedelta(hours=12))
    alert_services.alert_issue(actor=boss, alert_id=alert.pk)
    return {"incident": incident, "unit": unit, "plan": plan, "alert": alert}


def _assert_inert(page, where):
    page.wait_for_load_state("networkidle")
    assert page.evaluate("typeof window.__xss") == "undefined", f"script ran on {where}"


def _poll(page, js, timeout=15):
    """page.wait_for_function needs eval, which our CSP forbids: poll from Python instead."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if page.evaluate(js):
            return
        page.wait_for_timeout(200)
    raise AssertionError(f"not true within {timeout} s: {js}")


def _open_every_popup(page):
    """Switch every layer on and open each feature's popup, so each is built from the hostile text."""
    page.wait_for_selector(".leaflet-container")
    for box in page.locator("input[data-layer]").all():
        if not box.is_checked():
            box.check()
    page.wait_for_load_state("networkidle")
    _poll(page, """() => { let n = 0; window.commandMap.eachLayer(l => {
        if (l.feature && l.getPopup && l.getPopup()) n += 1; }); return n >= 2; }""")
    return page.evaluate("""() => {
        const texts = [];
        window.commandMap.eachLayer(l => {
            if (l.feature && l.getPopup && l.getPopup()) {
                l.openPopup();
                const box = document.querySelector('.leaflet-popup-content');
                if (box) texts.push(box.textContent);
            }
        });
        return texts;
    }""")


def test_hostile_text_never_runs_anywhere(hostile, daphne_server, browser):
    base = daphne_server
    incident, plan, alert = hostile["incident"], hostile["plan"], hostile["alert"]
    ctx = browser.new_context(locale="en-US")
    page = ctx.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        login(page, base, "boss")
        for path in ("/incidents/", f"/incidents/{incident.pk}/", "/incidents/board/", "/incidents/metrics/",
                     f"/plans/{plan.pk}/document/", f"/plans/incidents/{incident.pk}/", "/plans/", "/alerts/",
                     f"/alerts/{alert.pk}/", "/alerts/feed/"):
            page.goto(base + path)
            _assert_inert(page, path)
        # The text is shown as text, not swallowed.
        page.goto(f"{base}/incidents/{incident.pk}/")
        assert "onerror" in page.locator("body").inner_text()

        page.goto(f"{base}/map/")
        texts = _open_every_popup(page)
        assert any("onerror" in text for text in texts), texts  # shown as text in the popup
        _assert_inert(page, "map popups")

        # Live push renders hostile text too: a note arriving over the stream on the open detail page.
        page.goto(f"{base}/incidents/{incident.pk}/")
        page.wait_for_selector("body[data-stream-live='1']")
        services.incident_add_note(actor=incident.created_by, incident_id=incident.pk, text="live " + PAYLOAD)
        _poll(page, "() => document.body.innerText.includes('live <img')")
        _assert_inert(page, "live timeline update")
        ctx.close()

        ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
        page = ctx.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        login(page, base, "crew1")
        page.wait_for_selector("article.assignment")
        _assert_inert(page, "responder page")
        ctx.close()

        ctx = browser.new_context(locale="en-US")
        page = ctx.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(f"{base}/admin/login/")
        page.fill("input[name=username]", "root")
        page.fill("input[name=password]", "test-pass-123")
        page.click("input[type=submit]")
        page.wait_for_load_state("networkidle")
        for path in (f"/admin/incidents/incident/{incident.pk}/change/", "/admin/incidents/incident/",
                     f"/admin/incidents/incident/{incident.pk}/history/", "/admin/incidents/assignment/",
                     f"/admin/resources/resource/{hostile['unit'].pk}/change/", "/admin/resources/resource/",
                     f"/admin/plans/plan/{plan.pk}/change/", "/admin/plans/plan/", "/admin/plans/task/",
                     f"/admin/alerts/alert/{alert.pk}/change/", "/admin/alerts/alert/", "/admin/resources/agency/"):
            page.goto(base + path)
            assert page.locator("#content").count() == 1, path
            _assert_inert(page, path)
    finally:
        ctx.close()
    assert not dialogs
