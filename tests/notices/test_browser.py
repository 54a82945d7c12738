"""In a real browser: the notice page shows each receipt move live (delivered, confirmed by the
person's own link), and resends to the unconfirmed with one click (issue 21, points 2 and 10)."""

import pytest

from notices import services
from notices.models import Contact, Receipt
from tests.conftest import login
from tests.notices.conftest import wait_until

pytestmark = pytest.mark.e2e


def test_the_notice_page_follows_receipts_live_and_resends_to_the_unconfirmed(
        daphne_server, browser, transactional_db, make_user):
    officer = make_user("notice_officer", "duty_officer")
    people = [Contact.objects.create(name=name, mobile=mobile) for name, mobile in
              (("陈一", "+8613800000501"), ("林二", "+8613800000502"))]
    notice = services.notice_send(actor=officer, title="化工园区集结", body="请到二号门集结",
                                  contacts=[p.pk for p in people], channels_wanted=["sms"])
    first, second = notice.receipts.order_by("id")
    ctx = browser.new_context(locale="en-US")
    page = ctx.new_page()
    try:
        login(page, daphne_server, "notice_officer")
        page.goto(f"{daphne_server}/notices/{notice.pk}/")
        page.wait_for_selector("body[data-stream-live='1']")
        assert page.locator(f"#receipt-{first.pk}").get_attribute("data-state") == "queued"

        services.delivery_report(receipt_id=first.pk, dlr_type=1)  # what the carrier's report does
        page.wait_for_selector(f"#receipt-{first.pk}[data-state='delivered']")
        assert page.locator("[data-count='delivered']").inner_text() == "1"

        # The person opens their link on a phone (no sign-in) and confirms.
        phone = browser.new_context(locale="zh-CN").new_page()
        phone.goto(f"{daphne_server}/n/{first.token}")
        assert "化工园区集结" in phone.inner_text("#person-notice")
        phone.click("#confirm")
        phone.wait_for_selector("#confirmed")
        phone.context.close()
        page.wait_for_selector(f"#receipt-{first.pk}[data-state='confirmed']")
        assert page.locator("[data-count='confirmed']").inner_text() == "1"

        page.click("#resend")
        page.wait_for_load_state("networkidle")
        again = Receipt.objects.filter(notice=notice, round=1)
        assert list(again.values_list("contact_id", flat=True)) == [second.contact_id]  # only the unconfirmed
        wait_until(lambda: page.locator(f"#receipt-{again.get().pk}").count() == 1, timeout=20, what="the new row")
    finally:
        ctx.close()
