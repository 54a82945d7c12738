from django.utils import timezone

from plans import selectors
from plans.models import Plan, Shift


def test_demo_has_published_plans_a_covered_now_and_one_gap(demo):
    published = set(Plan.objects.filter(status="published").values_list("code", flat=True))
    assert published == {"ZT-01", "ZX-WH-01", "ZX-FX-01", "XC-E01-01"}
    assert Plan.objects.filter(code="ZX-WH-01", status="retired").exists()
    on_duty = {s.person.username for s in selectors.on_duty_now()}
    assert {"duty1", "dispatcher1", "commander1"} <= on_duty
    gaps = selectors.roster_gaps(timezone.now(), days=7)
    assert [g.post.code for g in gaps] == ["OFFICER"] and gaps[0].hours == 12.0
    count = Shift.objects.count()
    demo.load()  # idempotent
    assert Shift.objects.count() == count and Plan.objects.count() == 5
