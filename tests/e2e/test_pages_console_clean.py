"""Every page that carries a script, in headless Chromium: its ES modules load (under the strict
CSP, with their imports), start, and write nothing to the console: no script error, no refused
script or connection (a CSP violation is a console error), no failed request for a module."""

import pytest
from django.urls import reverse

from core import roles
from incidents import services
from tests.conftest import free_port, login, start_daphne, stop_process
from tests.factories import PASSWORD, EnterpriseFactory, IncidentTypeFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def site(transactional_db):
    """A small district: a unit with its crew, an incident, an enterprise; one officer who holds
    every console role and the park's supervision (and the admin), and the unit's responder."""
    IncidentTypeFactory()
    UnitFactory(code="FE01", name="Engine 01", crew="crew1")
    EnterpriseFactory()
    chief = UserFactory(username="chief", is_staff=True, is_superuser=True,
                        roles=[roles.DUTY_OFFICER, roles.DISPATCHER, roles.COMMANDER, roles.SAFETY_SUPERVISOR])
    incident = services.incident_log(actor=chief, type_code="fire", severity="III", lon=113.6, lat=22.75)
    # No tile server: every request stays on this machine (a blocked tile is a console error).
    port = free_port()
    proc = start_daphne(port, {"MAP_TILE_URL": ""})
    yield {"base": f"http://127.0.0.1:{port}", "incident": incident}
    stop_process(proc)


def _watch(page, problems):
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    def console(msg):
        where = (msg.location or {}).get("url", "")
        # The browser's own guess at /favicon.ico on the admin's pages (which name no icon) is not ours.
        if msg.type == "error" and not where.endswith("/favicon.ico"):
            problems.append(f"console error: {msg.text} ({where})")

    page.on("console", console)
    page.on("requestfailed", lambda request: problems.append(f"request failed: {request.url}")
            if request.resource_type == "script" else None)
    # Which request a "Failed to load resource" console error was about.
    page.on("response", lambda response: problems.append(f"{response.status} {response.url}")
            if response.status >= 400 else None)


def _visit(page, base, path, problems):
    response = page.goto(base + path)
    assert response.status < 400, f"{path}: {response.status}"
    page.wait_for_load_state("networkidle")
    # Every module of the page ran: the stream's module connects on pages that carry it.
    if page.get_attribute("body", "data-stream") is not None:
        page.wait_for_selector("body[data-stream-live='1']")
    return [f"{path}: {problem}" for problem in problems]


def test_the_main_pages_run_their_modules_without_a_console_error(site, browser):
    base, incident = site["base"], site["incident"]
    pages = [
        reverse("home"), reverse("incidents:list"), reverse("incidents:new"),
        reverse("incidents:detail", args=[incident.pk]), reverse("incidents:board"), reverse("incidents:metrics"),
        reverse("map:map"), reverse("map:map3d"), reverse("alerts:list"), reverse("alerts:new"),
        reverse("plans:duty"), reverse("monitoring:points"), reverse("monitoring:alarms"), reverse("drills:list"),
        reverse("notices:list"), reverse("safety:overview"), reverse("safety:map"), reverse("safety:hidden_dangers"),
        reverse("safety:permits"), "/admin/resources/resource/",
    ]
    context = browser.new_context(locale="en-US")
    found = []
    try:
        login(context.new_page(), base, "chief", PASSWORD)
        for path in pages:
            # A tab per page: each page's listeners hear only its own messages.
            page = context.new_page()
            problems = []
            _watch(page, problems)
            found += _visit(page, base, path, problems)
            page.close()
        # The shell's registered modules did their work: the sound switch, the alarm bars loaded.
        page = context.new_page()
        page.goto(base + reverse("incidents:list"))
        page.wait_for_selector("#sound-toggle")
        page.wait_for_selector("#alarm-bar[data-loaded='1']", state="attached")
        page.wait_for_selector("#park-alarm-bar[data-loaded='1']", state="attached")
    finally:
        context.close()
    assert found == []


def test_the_responders_phone_runs_its_modules_without_a_console_error(site, browser):
    base = site["base"]
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    page = context.new_page()
    problems = []
    _watch(page, problems)
    try:
        login(page, base, "crew1", PASSWORD)
        found = _visit(page, base, reverse("incidents:responder"), problems)
        page.wait_for_selector("#sound-toggle")
    finally:
        context.close()
    assert found == []


def test_a_units_position_re_renders_the_recommendations_only_when_the_unit_is_shown(site, browser):
    """A unit reports its position every few seconds: the incident's recommendations are asked for
    again only when the unit is one of those shown (its status changes still always re-render)."""
    base, incident = site["base"], site["incident"]
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    try:
        login(page, base, "chief", PASSWORD)
        page.goto(base + reverse("incidents:detail", args=[incident.pk]))
        shown = int(page.get_attribute("#recommendations tr[data-resource]", "data-resource"))
        concerned = page.evaluate("""async (shown) => {
            const live = await import("/static/incidents/live.js");
            const types = await import("/static/stream/event_types.js");
            const box = document.getElementById("recommendations");
            const event = (type, id) => ({ type, payload: { id } });
            return [live.concerns(box, event(types.RESOURCE_MOVED, shown)),
                    live.concerns(box, event(types.RESOURCE_MOVED, shown + 1000)),
                    live.concerns(box, event(types.RESOURCE_UPDATED, shown + 1000))];
        }""", shown)
    finally:
        context.close()
    assert concerned == [True, False, True]
