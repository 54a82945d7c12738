"""The demo park shows the supervisor's overview with something in each state (issue 25)."""

from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from command import demo as district
from oversight.models import DutyCheck, Licence


def test_the_demo_park_has_an_expiring_licence_an_overdue_duty_and_a_due_assessment(demo):
    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(username="safety1"))
    rows = client.get("/api/v1/oversight/").json()
    seen = {(r["category"], r["enterprise"]["code"], r["status"]) for r in rows}
    assert ("licence", "E03", "expiring") in seen
    assert ("duty_check", "E01", "overdue") in seen
    assert ("evaluation", "E02", "due") in seen
    officer = APIClient()
    officer.force_authenticate(get_user_model().objects.get(username="enterprise2"))
    assert {r["enterprise"]["code"] for r in officer.get("/api/v1/oversight/").json()} == {"E03"}
    counts = (Licence.objects.count(), DutyCheck.objects.count())
    assert district.load()["licences"] == 0 and (Licence.objects.count(), DutyCheck.objects.count()) == counts
