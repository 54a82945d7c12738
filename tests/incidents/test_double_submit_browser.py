"""Two quick submits of the intake form log one incident (issue 16, point 9), in Chromium:
the first submit disables the button and carries a one-time token; a second one sent anyway
(Enter in a field, a script) carries the same token and is answered with the first's redirect."""

import pytest

from tests.conftest import PASSWORD, free_port, start_daphne, stop_process


@pytest.fixture
def intake_server(transactional_db, make_user):
    from incidents.models import IncidentType

    IncidentType.objects.create(code="fire", klass="accident", name_zh="火灾", name_en="Fire")
    make_user("double_duty", "duty_officer")
    port = free_port()
    proc = start_daphne(port, {"MAP_TILE_URL": "http://127.0.0.1:9/{z}/{x}/{y}.png"})
    yield f"http://127.0.0.1:{port}"
    stop_process(proc)


def test_double_submitting_the_intake_form_logs_one_incident(intake_server, browser):
    from incidents.models import Incident

    context = browser.new_context(locale="en-US", viewport={"width": 1440, "height": 900})
    page = context.new_page()
    sent = []

    def hold_posts(route):
        # The form's POST is kept back (a 204 keeps the page in place, to be looked at); it is
        # then sent twice, exactly as the browser built it, as a double submit would.
        if route.request.method == "POST" and "/incidents/new/" in route.request.url:
            sent.append(route.request.post_data)
            route.fulfill(status=204)
        elif route.request.url.startswith("http://127.0.0.1") and ":9/" not in route.request.url:
            route.continue_()
        else:
            route.abort()

    try:
        page.goto(f"{intake_server}/login/")
        page.fill("input[name=username]", "double_duty")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        page.route("**/*", hold_posts)
        page.goto(f"{intake_server}/incidents/new/")
        page.select_option("#intake-form select[name=type]", "fire")
        page.fill("#intake-form input[name=lon]", "113.6")
        page.fill("#intake-form input[name=lat]", "22.75")
        page.click("#intake-form button[type=submit]")
        page.wait_for_function("document.querySelector('#intake-form button[type=submit]').disabled")
        assert len(sent) == 1 and "form_token=" in sent[0]
        token = page.input_value("#intake-form input[name=form_token]")
        assert len(token) == 32 and f"form_token={token}" in sent[0]

        answers = [page.request.post(f"{intake_server}/incidents/new/", data=sent[0], max_redirects=0,
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
                   for _ in range(2)]
        assert [a.status for a in answers] == [302, 302]
        assert answers[0].headers["location"] == answers[1].headers["location"]
        assert answers[1].headers.get("idempotent-replayed") == "true"
        assert Incident.objects.count() == 1
    finally:
        context.close()
