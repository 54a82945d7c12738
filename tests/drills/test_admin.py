"""Planners write scenarios and injects in the admin; bad injects come back as form errors."""

import pytest

from drills.models import Inject, Scenario
from tests.conftest import page_client

pytestmark = pytest.mark.django_db


def _form(**inject):
    data = {"title": "氨泄漏推演", "kind": "tabletop", "scope": "single", "objectives": "", "description": "",
            "injects-TOTAL_FORMS": "1", "injects-INITIAL_FORMS": "0", "injects-MIN_NUM_FORMS": "0",
            "injects-MAX_NUM_FORMS": "1000"}
    data.update({f"injects-0-{k}": v for k, v in inject.items()})
    return data


def test_planner_writes_a_scenario_with_injects(district, planner, make_user):
    client = page_client(planner)
    assert client.get("/admin/drills/scenario/add/").status_code == 200
    bad = client.post("/admin/drills/scenario/add/", _form(offset_s="60", kind="release", chemical_cas="7782-50-5"))
    assert bad.status_code == 200 and not Scenario.objects.exists()
    assert "needs this" in bad.content.decode()
    negative = client.post("/admin/drills/scenario/add/", _form(offset_s="-5", kind="message", text="x"))
    assert negative.status_code == 200 and not Scenario.objects.exists()
    good = client.post("/admin/drills/scenario/add/", _form(offset_s="120", kind="message", text="媒体来电询问"))
    assert good.status_code == 302, good.content.decode()[:2000]
    scenario = Scenario.objects.get()
    assert scenario.created_by == planner and Inject.objects.get().offset_s == 120
    assert client.get("/admin/drills/drill/").status_code == 200
    assert client.get("/admin/incidents/reportrule/").status_code == 200
    duty = make_user("duty_admin", "duty_officer", staff=True)
    assert page_client(duty).get("/admin/drills/scenario/add/").status_code == 403
