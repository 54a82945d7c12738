"""Drills objects for the authorisation matrix's world (tests/security/conftest.py)."""

from django.contrib.gis.geos import Point
from django.utils import timezone

from drills.models import Drill, Finding, Inject, Scenario
from incidents import services
from resources.models import Resource


def drills_world(users, fire, agency, plan) -> dict:
    scenario = Scenario.objects.create(title="推演", plan=plan)
    Inject.objects.create(scenario=scenario, offset_s=0, kind="call", location=Point(113.6, 22.75, srid=4326),
                          incident_type=fire, severity="III")
    director = users["dispatcher"]
    drill = Drill.objects.create(scenario=scenario, created_by=director)
    exercise = services.incident_log(actor=users["duty_officer"], type_code="fire", severity="IV", lon=113.63,
                                     lat=22.76, title="演练", exercise=True)
    crew = Resource.objects.create(code="FE3", name="Engine 3", kind="fire_engine", agency=agency,
                                   capabilities=["fire_suppression"], location=Point(113.62, 22.75, srid=4326))
    services.assignment_create(actor=director, incident_id=exercise.pk, resource_ids=[crew.pk])
    now = timezone.now()
    # Its own scenario: a scenario runs one drill at a time, and `drill` above must stay startable.
    other = Scenario.objects.create(title="推演二", plan=plan)
    running = Drill.objects.create(scenario=other, created_by=director, status="running", started_at=now,
                                   started_by=director)
    running.incidents.add(exercise)
    ended = Drill.objects.create(scenario=scenario, created_by=director, status="ended", started_at=now,
                                 started_by=director, ended_at=now)
    finding = Finding.objects.create(drill=ended, category="deficiency", text="疏散慢", created_by=users["commander"])
    return {"scenario": scenario, "drill": drill, "running_drill": running, "ended_drill": ended,
            "exercise_incident": exercise, "finding": finding}
