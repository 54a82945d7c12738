"""Issue 25 point 10: the supervisor's overview (oversight) also lists contractors'
qualifications expired or expiring and the special-work 报备 gaps, each enterprise seeing its
own, with the .xlsx export."""

import datetime as dt
import io

from django.utils import timezone
from openpyxl import load_workbook

from safety.models import Contractor, ContractorQualification

from .test_filings_and_stats import height


def rows(api, user, category):
    return api(user).get(f"/api/v1/oversight/?category={category}").json()


def test_expired_and_expiring_qualifications_are_on_the_overview(park, api):
    today = timezone.localdate()
    contractor = Contractor.objects.create(enterprise=park["e1"], name="珠江安装", credit_code="91440400MA4X00001K")
    ContractorQualification.objects.create(contractor=contractor, kind="安全生产许可证", number="Q-OLD",
                                           valid_to=today - dt.timedelta(days=2))
    ContractorQualification.objects.create(contractor=contractor, kind="特种作业", number="Q-SOON",
                                           valid_to=today + dt.timedelta(days=10))
    ContractorQualification.objects.create(contractor=contractor, kind="资质", number="Q-FINE",
                                           valid_to=today + dt.timedelta(days=400))
    seen = {(r["subject"].split()[-1], r["status"]) for r in rows(api, park["supervisor"], "contractor_qualification")}
    assert seen == {("Q-OLD", "expired"), ("Q-SOON", "expiring")}
    assert len(rows(api, park["officer1"], "contractor_qualification")) == 2
    assert rows(api, park["officer2"], "contractor_qualification") == []  # another enterprise's contractor
    sheet = load_workbook(io.BytesIO(api(park["supervisor"]).get(
        "/api/v1/oversight.xlsx?category=contractor_qualification").content)).active
    assert any("Q-OLD" in str(c.value) for row in sheet.iter_rows() for c in row)


def test_permits_started_without_filing_are_overdue_on_the_overview(park, api):
    running = height(park)
    listed = rows(api, park["supervisor"], "special_work_filing")
    assert [(r["enterprise"]["code"], r["status"]) for r in listed] == [(park["e1"].code, "overdue")]
    assert "报备" in listed[0]["subject"]
    assert rows(api, park["officer2"], "special_work_filing") == []
    filed = api(park["officer1"]).post("/api/v1/work-filings/", {"enterprise": park["e1"].pk, "permit": running.pk},
                                       format="json")
    assert filed.status_code == 201
    assert rows(api, park["supervisor"], "special_work_filing") == []
