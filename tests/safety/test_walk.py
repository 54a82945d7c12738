"""Issue 12 walked on the demo as its three people would: the park supervisor (safety1) and the
officers of two enterprises (enterprise1, enterprise2). Every page and export answers each of
them as their role and enterprise allow, in Chinese first; another enterprise's record is a 404
whichever door is tried; the Excel ledger opens; refusals say which rule."""

import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from safety.models import EnterpriseMembership, HiddenDanger, WorkPermit

from .conftest import image_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(demo, settings):
    settings.SAFETY_COMMITMENT_DUE_HOUR = 24
    users = get_user_model().objects.in_bulk(["safety1", "enterprise1", "enterprise2"], field_name="username")
    e1 = EnterpriseMembership.objects.get(user=users["enterprise1"]).enterprise
    e2 = EnterpriseMembership.objects.get(user=users["enterprise2"]).enterprise

    def client(name, language="zh-hans"):
        c = Client(HTTP_ACCEPT_LANGUAGE=language)
        c.force_login(users[name])
        return c

    return {"users": users, "e1": e1, "e2": e2, "client": client}


def test_every_page_answers_each_person_and_no_one_else(people):
    e1, e2 = people["e1"], people["e2"]
    hd1 = HiddenDanger.objects.filter(enterprise=e1).first()
    permit1 = WorkPermit.objects.filter(enterprise=e1).first()
    assert hd1 is not None and permit1 is not None
    own = [f"/safety/enterprises/{e1.pk}/", f"/safety/hidden-dangers/{hd1.pk}/", f"/safety/permits/{permit1.pk}/"]
    lists = ["/safety/hidden-dangers/", "/safety/permits/", "/safety/map/", "/safety/hidden-dangers/new/",
             "/safety/permits/new/"]
    supervisor, officer1, officer2 = (people["client"](n) for n in ("safety1", "enterprise1", "enterprise2"))
    overview = supervisor.get("/safety/")
    assert overview.status_code == 200
    html = overview.content.decode()
    assert e1.name in html and e2.name in html and "园区" in html  # Chinese first
    for url in own + lists:
        assert supervisor.get(url).status_code == 200, url
        assert officer1.get(url).status_code == 200, url
    for url in own:
        assert officer2.get(url).status_code == 404, url  # as if it did not exist
    assert officer2.get(f"/safety/enterprises/{e1.pk}/ledger.xlsx").status_code == 404
    assert officer2.get(f"/api/v1/enterprises/{e1.pk}/ledger.xlsx").status_code == 404
    # Lists show only their own enterprise.
    mine = officer2.get("/safety/hidden-dangers/").content.decode()
    assert hd1.title not in mine
    assert permit1.place not in officer2.get("/safety/permits/").content.decode()
    # A write aimed at another enterprise's record is a 404 too, and changes nothing.
    state = hd1.state
    assert officer2.post(f"/safety/hidden-dangers/{hd1.pk}/rectified/", {"note": "x"}).status_code == 404
    hd1.refresh_from_db()
    assert hd1.state == state


def test_the_excel_ledger_opens_with_the_enterprises_records(people):
    e1 = people["e1"]
    for url in (f"/safety/enterprises/{e1.pk}/ledger.xlsx", f"/api/v1/enterprises/{e1.pk}/ledger.xlsx"):
        response = people["client"]("enterprise1").get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
        book = load_workbook(io.BytesIO(b"".join(response.streaming_content) if response.streaming
                                        else response.content))
        text = " ".join(str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row
                        if c.value is not None)
        for hd in HiddenDanger.objects.filter(enterprise=e1, state__in=("reported", "rectifying")):
            assert hd.title in text
        assert people["e2"].name not in text


def test_photos_are_checked_and_private(people):
    e1 = people["e1"]
    hd = HiddenDanger.objects.filter(enterprise=e1).exclude(state="closed").first()
    officer1 = people["client"]("enterprise1")
    url = f"/safety/hidden-dangers/{hd.pk}/photos/"
    fake = SimpleUploadedFile("photo.jpg", b"%PDF-1.4 not a photo", content_type="image/jpeg")
    officer1.post(url, {"photo": fake})
    assert hd.photos.count() == 0  # refused, nothing written
    officer1.post(url, {"photo": SimpleUploadedFile("p.png", image_bytes(), content_type="image/png")})
    photo = hd.photos.get()
    page_url = f"/safety/hidden-dangers/{hd.pk}/photos/{photo.pk}/"
    assert officer1.get(page_url).status_code == 200
    assert people["client"]("enterprise2").get(page_url).status_code == 404
    assert Client().get(page_url).status_code in (302, 401, 403)


def test_permit_refusals_on_the_page_name_the_gb_30871_rule(people):
    officer1 = people["client"]("enterprise1", language="en")
    start = timezone.localtime() + dt.timedelta(hours=1)
    fmt = "%Y-%m-%dT%H:%M"
    page = officer1.post("/safety/permits/new/", {
        "enterprise": people["e1"].pk, "kind": "hot_work", "grade": "special", "place": "R-101",
        "valid_from": start.strftime(fmt), "valid_to": (start + dt.timedelta(hours=12)).strftime(fmt)})
    assert page.status_code == 400
    html = page.content.decode()
    assert "GB 30871-2022 5.1" in html and "Special (特级)" in html and "special-grade" not in html
    before = WorkPermit.objects.count()
    page = officer1.post("/safety/permits/new/", {
        "enterprise": people["e1"].pk, "kind": "height", "height_m": "3", "place": "R-101",
        "valid_from": start.strftime(fmt), "valid_to": (start - dt.timedelta(hours=1)).strftime(fmt)})
    assert page.status_code == 400 and "end after it starts" in page.content.decode()
    assert WorkPermit.objects.count() == before


def test_a_gas_test_in_the_future_is_refused_and_writes_nothing(people):
    permit = WorkPermit.objects.filter(enterprise=people["e1"], kind="hot_work").first()
    count = permit.gas_tests.count()
    response = people["client"]("enterprise1", language="en").post(
        f"/api/v1/work-permits/{permit.pk}/gas-tests/",
        {"at": (timezone.now() + dt.timedelta(hours=1)).isoformat(), "combustible_percent": 0.1, "lel_percent": 5},
        content_type="application/json")
    assert response.status_code == 400 and "future" in response.json()["detail"]
    assert permit.gas_tests.count() == count
