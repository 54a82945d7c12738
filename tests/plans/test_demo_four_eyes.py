"""Issue 22 (demo): four-eyes publishing is shown with the demo's two planners, not with admin."""

import pytest
from django.contrib.auth import get_user_model

from core.errors import DomainError
from plans import services
from plans.models import Plan


def test_the_demo_has_two_planners_and_four_eyes_publishing_works_with_them(demo, client):
    users = get_user_model().objects
    planner1, planner2 = users.get(username="planner1"), users.get(username="planner2")
    assert planner2.groups.filter(name="planner").exists() and planner2.is_staff and not planner2.is_superuser
    published = Plan.objects.filter(status="published").order_by("code").first()
    draft = services.plan_new_version(actor=planner1, plan_id=published.pk)
    services.plan_submit_for_review(actor=planner1, plan_id=draft.pk)
    with pytest.raises(DomainError):
        services.plan_publish(actor=planner1, plan_id=draft.pk)
    # planner2 signs in to the admin and publishes from the list.
    client.force_login(planner2)
    client.post("/admin/plans/plan/", {"action": "publish", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.status == "published" and draft.published_by == planner2
