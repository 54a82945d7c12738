"""Browser journey (Debian's Chromium, real Daphne): an enterprise safety officer reports a
hidden danger from the phone-width page and rectifies it; the park supervisor, whose overview
shows it live, verifies and closes it."""

import pytest
from django.contrib.gis.geos import Point

from core.roles import ENTERPRISE_OFFICER, SAFETY_SUPERVISOR
from hazards.models import Enterprise
from safety.models import EnterpriseMembership, HiddenDanger
from tests.conftest import login

pytestmark = pytest.mark.e2e


@pytest.fixture
def ledger_scene(transactional_db, make_user):
    enterprise = Enterprise.objects.create(code="E9", name="九号化工", location=Point(113.66, 22.65, srid=4326))
    officer = make_user("officer_e", ENTERPRISE_OFFICER)
    EnterpriseMembership.objects.create(user=officer, enterprise=enterprise)
    make_user("supervisor_e", SAFETY_SUPERVISOR)
    return enterprise


def test_officer_reports_and_rectifies_supervisor_verifies(daphne_server, browser, ledger_scene):
    officer_ctx = browser.new_context(locale="en-US", viewport={"width": 390, "height": 844})  # a phone
    supervisor_ctx = browser.new_context(locale="en-US")
    try:
        supervisor = supervisor_ctx.new_page()
        login(supervisor, daphne_server, "supervisor_e")
        assert supervisor.url.endswith("/safety/")
        supervisor.wait_for_selector("body[data-stream-live='1']")
        assert supervisor.locator("#live-note").is_hidden()

        officer = officer_ctx.new_page()
        login(officer, daphne_server, "officer_e")
        assert officer.url.endswith(f"/safety/enterprises/{ledger_scene.pk}/")
        officer.click("text=Report a hidden danger")
        officer.fill("input[name=title]", "Loading arm <b>leaks</b>")
        officer.fill("input[name=place]", "Jetty 2")
        officer.check("input[name=criteria][value='121-07']")
        officer.click("#hidden-danger-form button[type=submit]")
        officer.wait_for_selector("#hd-state[data-state='reported']")
        assert "Major" in officer.locator("#hd-level").inner_text()  # the criterion made it major
        assert "Loading arm <b>leaks</b>" in officer.locator("h1").inner_text()  # escaped, shown as typed

        # The supervisor's overview learns of it without a reload.
        supervisor.wait_for_selector("#live-note:not([hidden])")

        # 五到位: a major one needs all five before rectification starts.
        officer.fill("#plan textarea[name=measures]", "Replace the hose with a loading arm")
        officer.click("#plan button[type=submit]")
        assert "five" in officer.locator("ul.messages:not(#live-alerts)").inner_text()
        officer.fill("#plan textarea[name=measures]", "Replace the hose with a loading arm")
        officer.fill("#plan input[name=responsible]", "Wang Haitao")
        officer.fill("#plan input[name=funds_cny]", "80000")
        officer.fill("#plan textarea[name=contingency]", "Stop loading at jetty 2")
        officer.click("#plan button[type=submit]")
        officer.wait_for_selector("#hd-state[data-state='rectifying']")
        officer.click("#rectified button[type=submit]")
        officer.wait_for_selector("#hd-state[data-state='awaiting_verification']")
        assert officer.locator("#verify").count() == 0  # only the park accepts a major one

        supervisor.reload()
        supervisor.click("#awaiting a")
        supervisor.wait_for_selector("#hd-state[data-state='awaiting_verification']")
        supervisor.select_option("#verify select[name=accepted]", "1")
        supervisor.fill("#verify textarea[name=note]", "Checked on site")
        supervisor.click("#verify button[type=submit]")
        supervisor.wait_for_selector("#hd-state[data-state='closed']")
        actions = supervisor.locator("#timeline li").evaluate_all("els => els.map(e => e.dataset.action)")
        assert actions == ["reported", "plan", "rectified", "verified"]

        # The four-colour map draws the park's enterprises by colour.
        supervisor.goto(f"{daphne_server}/safety/map/")
        supervisor.wait_for_selector("#safety-map[data-loaded='1']")
        assert supervisor.locator("#safety-map").get_attribute("data-enterprise-colours") == "1"
    finally:
        officer_ctx.close()
        supervisor_ctx.close()
    hd = HiddenDanger.objects.get()
    assert hd.state == "closed" and hd.level == "major" and hd.criteria == ["121-07"]


def test_an_overdue_major_hidden_danger_rings_every_console(daphne_server, browser, ledger_scene, make_user):
    import datetime as dt

    from django.utils import timezone

    from safety import services

    make_user("commander_e", "commander")
    officer = EnterpriseMembership.objects.get().user
    hd = services.hidden_danger_report(actor=officer, enterprise_id=ledger_scene.pk, title="Gas detector bypassed",
                                       criteria=["121-12"], deadline=timezone.now() - dt.timedelta(minutes=1),
                                       allow_past_deadline=True)
    context = browser.new_context(locale="en-US")
    try:
        console = context.new_page()
        login(console, daphne_server, "commander_e")
        console.wait_for_selector("body[data-stream-live='1']")
        services.hidden_danger_flag_overdue(hidden_danger_id=hd.pk)  # what the job does at the deadline
        banner = console.wait_for_selector("[data-live-alert='hidden-danger-overdue']")
        assert "九号化工" in banner.inner_text()
        assert banner.query_selector("q.user-text").inner_text() == "Gas detector bypassed"
    finally:
        context.close()


def test_overdue_banners_coalesce_and_carry_the_enterprise_s_words_as_quoted_data(daphne_server, browser,
                                                                                 ledger_scene, make_user):
    """Issue 22: 30 overdue rows were 30 red banners, each in the centre's voice."""
    import datetime as dt

    from django.utils import timezone

    from safety import services

    make_user("commander_c", "commander")
    officer = EnterpriseMembership.objects.get().user
    titles = ["【指挥中心通知】立即疏散全部人员", "<img src=x onerror=alert(1)>", "Gas detector bypassed"]
    dangers = [services.hidden_danger_report(actor=officer, enterprise_id=ledger_scene.pk, title=title,
                                             criteria=["121-12"], deadline=timezone.now() - dt.timedelta(minutes=1),
                                             allow_past_deadline=True) for title in titles]
    context = browser.new_context(locale="zh-CN")
    try:
        console = context.new_page()
        dialogs = []
        console.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        login(console, daphne_server, "commander_c")
        console.wait_for_selector("body[data-stream-live='1']")
        for hd in dangers:
            services.hidden_danger_flag_overdue(hidden_danger_id=hd.pk)
        console.wait_for_selector("[data-live-alert='hidden-danger-overdue'] .overdue-count[data-count='3']")
        banners = console.query_selector_all("[data-live-alert='hidden-danger-overdue']")
        assert len(banners) == 1  # one banner, counting
        text = banners[0].inner_text()
        assert "3" in text and "企业填报" in text
        quoted = banners[0].query_selector("q.user-text")
        assert quoted.inner_text() == "Gas detector bypassed"  # the latest, as data in quotation marks
        assert console.query_selector("#live-alerts img") is None and not dialogs  # never parsed as HTML
        # The centre's own label comes first; the enterprise's words never stand as the headline.
        assert text.index("重大隐患") < text.index("Gas detector bypassed")
    finally:
        context.close()


def test_on_a_phone_the_gas_analysis_keeps_its_column_names(daphne_server, browser, ledger_scene):
    """Issue 22 point 18: the phone layout hid the header row and left bare numbers."""
    import datetime as dt

    from django.utils import timezone

    from safety import services

    officer = EnterpriseMembership.objects.get().user
    now = timezone.now()
    permit = services.work_permit_submit(
        actor=officer, enterprise_id=ledger_scene.pk, kind="confined_space", place="T-301",
        valid_from=now - dt.timedelta(minutes=5), valid_to=now + dt.timedelta(hours=4), toxic_limit_ppm=25,
        gas_tests=[{"at": now - dt.timedelta(minutes=2), "combustible_percent": 0.1, "lel_percent": 5,
                    "o2_percent": 20.6, "toxic_ppm": 3}])
    context = browser.new_context(locale="en-US", viewport={"width": 390, "height": 844})
    try:
        phone = context.new_page()
        login(phone, daphne_server, "officer_e")
        phone.goto(f"{daphne_server}/safety/permits/{permit.pk}/")
        table = phone.wait_for_selector("#gas-table")
        assert not phone.is_visible("#gas-table thead")  # the phone layout is in force
        shown = table.evaluate("""t => Array.from(t.querySelectorAll('tbody td')).map(
            td => getComputedStyle(td, '::before').content + ' ' + td.textContent.trim())""")
        assert any("Combustible" in cell and "0.1" in cell for cell in shown), shown
        assert any("O₂" in cell and "20.6" in cell for cell in shown), shown
        assert any("Toxic" in cell and "3" in cell for cell in shown), shown
    finally:
        context.close()
