"""The demo's chlorine tabletop: it loads, shows the on-site plan overdue, and plays end to end."""

import pytest

from drills import selectors, services
from drills.models import Scenario

pytestmark = pytest.mark.django_db


def test_demo_scenario_plays_through_the_real_services(demo, make_user):
    scenario = Scenario.objects.get(plan__code="XC-E01-01")
    assert [i.kind for i in scenario.injects.order_by("offset_s")] == [
        "call", "alarm", "release", "further_call", "wind_change"]
    due = {(r.plan.code, r.enterprise.code if r.enterprise else None): r for r in selectors.drills_due()}
    assert due[("XC-E01-01", "E01")].overdue is True and due[("XC-E01-01", "E01")].interval_months == 6
    flagged = {(f.plan.code, f.enterprise.code if f.enterprise else None) for f in services.drills_flag_overdue()}
    assert ("XC-E01-01", "E01") in flagged

    director = make_user("demo_director", "dispatcher")
    drill = services.drill_start(actor=director, drill_id=services.drill_plan(
        actor=director, scenario_id=scenario.pk, speed=60).pk)
    for run in drill.runs.order_by("due_at", "id"):
        services.inject_play(run_id=run.pk)
    results = {r.inject.kind: (r.status, r.result) for r in drill.runs.select_related("inject")}
    assert all(status == "fired" for status, _result in results.values()), results
    incident = drill.incidents.get()
    assert incident.exercise and incident.type.code == "hazmat-leak"
    assert drill.releases.count() == 2 and all(r.exercise for r in drill.releases.all())
    # The alarm rings as a real exercise alarm on the tank farm's gas detector.
    [alarm] = drill.alarms.select_related("point__risk_source__enterprise")
    assert alarm.exercise and alarm.level == "hh" and alarm.point.kind == "toxic_gas"
    assert alarm.point.risk_source.enterprise.code == "E01"
    ended = services.drill_end(actor=director, drill_id=drill.pk)
    incident.refresh_from_db()
    assert ended.status == "ended" and incident.status == "closed"
    alarm.refresh_from_db()
    assert alarm.cleared_at is not None
    assert selectors.drill_evaluation(ended)["plan"].code == "XC-E01-01"
