"""One writer per record: the incident timeline is written by incidents.services.timeline_add
only, incident rows are locked by incidents.services.timeline only, and services check roles with the
one helper core.roles.require_role."""

import pathlib
import re

import pytest
from django.db import transaction

from incidents.models import TimelineEntry
from incidents.services import timeline_add

ROOT = pathlib.Path(__file__).resolve().parents[2]
APPS = sorted(p.parent.name for p in ROOT.glob("*/apps.py"))


def _sources():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path.relative_to(ROOT), path.read_text()


def test_only_timeline_add_writes_the_timeline():
    writers = [str(path) for path, text in _sources()
               if re.search(r"(?<!class )TimelineEntry(\.objects\.(create|bulk_create|update_or_create|get_or_create)|\()",
                            text)]
    assert writers == ["incidents/services/timeline.py"]


def test_only_incidents_locks_incident_rows():
    lockers = [str(path) for path, text in _sources() if re.search(r"Incident\.objects\.select_for_update", text)]
    assert lockers == ["incidents/services/timeline.py"]


def test_services_check_roles_with_require_role():
    # The caller's own permission (a 403); checking whether someone else may stand a duty post
    # is validation of input (plans.services.duty), not a role check of the caller.
    pattern = re.compile(r"if not has_role\((actor|user|request\.user)\b[^\n]*\):\n\s+raise DomainError\(")
    copies = [str(path) for path, text in _sources() if pattern.search(text) and str(path) != "core/roles.py"]
    assert copies == [], "use core.roles.require_role(actor, roles, message)"


@pytest.mark.django_db
def test_timeline_add_needs_the_callers_transaction(demo, commander):
    from django.contrib.gis.geos import Point
    from django.utils import timezone

    from incidents.models import Incident, IncidentType

    incident = Incident.objects.create(number="2026-000900", title="t", type=IncidentType.objects.first(),
                                       severity="II", location=Point(113.6, 22.7, srid=4326), created_by=commander,
                                       reported_at=timezone.now())
    with transaction.atomic():
        entry = timeline_add(incident=incident.pk, actor=commander, kind="note", text="by id")
    assert TimelineEntry.objects.get(pk=entry.pk).incident_id == incident.pk


@pytest.mark.django_db(transaction=True)
def test_timeline_add_outside_a_transaction_is_refused(commander):
    with pytest.raises(RuntimeError, match="transaction"):
        timeline_add(incident=1, actor=commander, kind="note", text="no transaction")


def test_services_and_tasks_do_not_import_each_other_in_a_loop():
    """Jobs are declared beside the services they run; tasks modules only re-export them."""
    loops = []
    for path, text in _sources():
        app = path.parts[0]
        if path.name == "tasks.py" and re.search(rf"^[ \t]+from {app}\.services", text, re.M):
            loops.append(f"{path} imports {app}.services inside a function")
        if (path.name == "services.py" or path.parent.name == "services") \
                and re.search(rf"from {app}\.tasks import|import {app}\.tasks", text):
            loops.append(f"{path} imports {app}.tasks")
    assert loops == []
