"""A notice to 1,000 recipients is queued (notice, 1,000 receipts, 1,000 durable send jobs, the
event) in one request; printed beside the same run's baseline of one DRF write (issue 21). Run
by `make bench`; the figures are for reading, not assertions (shared machines are noisy)."""

import time

import pytest
from rest_framework.test import APIClient

from core import roles
from notices.models import Contact, ContactGroup
from tests.bench.conftest import percentile, report

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_notice_to_a_thousand_recipients_is_queued_quickly(make_user):
    officer = make_user("bench_notice", roles.DUTY_OFFICER)
    client = APIClient()
    client.force_authenticate(officer)
    group = ContactGroup.objects.create(name="全区应急网络")
    Contact.objects.bulk_create([Contact(name=f"人{i}", mobile=f"+86137{i:08d}") for i in range(1000)])
    group.members.set(Contact.objects.all())
    notice_times, baseline = [], []
    for round_ in range(5):
        t0 = time.perf_counter()
        answer = client.post("/api/v1/contacts/", {"name": f"基线{round_}"}, format="json")
        baseline.append(time.perf_counter() - t0)
        assert answer.status_code == 201
        t0 = time.perf_counter()
        answer = client.post("/api/v1/notices/", {"title": f"全区通知{round_}", "groups": [group.pk],
                                                 "channels": ["sms"]}, format="json")
        notice_times.append(time.perf_counter() - t0)
        assert answer.status_code == 201 and len(answer.json()["recipients"]) == 1000
    report("notice to 1,000 recipients (loaded shared VM)", [
        ("POST /api/v1/notices/ (1,000 receipts + jobs)", notice_times),
        ("baseline: DRF POST /api/v1/contacts/ (one row)", baseline)])
    print(f"   notice / baseline: p50 {percentile(notice_times, 50) / percentile(baseline, 50):.1f}×  "
          f"(aim: the notice queued in ≤ 1 s)")
