"""Query budgets (NetBox keeps such baselines): the number of SQL queries of the hot paths is
pinned in query_counts.json, and a test fails when one changes: a count that falls is pinned
too, so a later rise back is seen (NetBox asserts equality). After a deliberate change (fewer
queries, or more for a reason), rewrite the file with

    UPDATE_QUERY_COUNTS=1 pytest tests/house/test_query_budgets.py

and commit it with the reason. Counts include authentication (session and user lookups).
"""

import json
import os
import pathlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import layers
from incidents import services
from resources.models import Resource, Responder

BASELINE = pathlib.Path(__file__).with_name("query_counts.json")
UPDATE = os.environ.get("UPDATE_QUERY_COUNTS") == "1"
MEASURED: dict[str, int] = {}


@pytest.fixture(scope="module", autouse=True)
def _write_baseline():
    yield
    if UPDATE and MEASURED:
        data = json.loads(BASELINE.read_text()) if BASELINE.exists() else {}
        data.update(MEASURED)
        BASELINE.write_text(json.dumps(dict(sorted(data.items())), indent=2, ensure_ascii=False) + "\n")


def check(name: str, run, *, warm: bool = False) -> object:
    """warm: run it once unmeasured first (a read may), so that what earlier tests left in the
    process's caches (content types, lookups cached per process) cannot change an exact count."""
    if warm:
        run()
    with CaptureQueriesContext(connection) as queries:
        result = run()
    count = len(queries.captured_queries)
    MEASURED[name] = count
    if not UPDATE:
        budget = json.loads(BASELINE.read_text()).get(name)
        assert budget is not None, f"no query budget for {name!r}: run with UPDATE_QUERY_COUNTS=1"
        sql = "\n".join(q["sql"][:200] for q in queries.captured_queries)
        assert count == budget, (f"{name}: {count} queries, pinned at {budget} (fewer? pin the new count with "
                                 f"UPDATE_QUERY_COUNTS=1):\n{sql}")
    return result


@pytest.fixture
def world(demo, commander, dispatcher):
    incidents = [services.incident_log(actor=commander, type_code="fire", severity="III", lon=113.6 + i / 100,
                                       lat=22.7, title=f"火警 {i}") for i in range(5)]
    return incidents


def _free_units(n):
    busy = Resource.objects.exclude(kind=Resource.Kind.SHELTER).filter(status=Resource.Status.AVAILABLE)
    return list(busy.filter(responders__isnull=False).distinct().order_by("pk")[:n])


@pytest.mark.parametrize("units", [1, 3])
def test_dispatch(world, client, dispatcher, units):
    client.force_login(dispatcher)
    client.get("/api/v1/me/")  # warm the caches every request shares (content types, session)
    incident = world[0]
    chosen = [u.pk for u in _free_units(units)]
    assert len(chosen) == units
    response = check(f"dispatch ({units} unit{'s' if units > 1 else ''})", lambda: client.post(
        f"/api/v1/incidents/{incident.pk}/assignments/", {"resources": chosen}, content_type="application/json"))
    assert response.status_code == 201, response.content


def test_console_pages(world, client, dispatcher):
    services.assignment_create(actor=dispatcher, incident_id=world[0].pk, resource_ids=[_free_units(1)[0].pk])
    client.force_login(dispatcher)
    client.get("/api/v1/me/")
    assert check("console list", lambda: client.get("/incidents/"), warm=True).status_code == 200
    assert check("incident page", lambda: client.get(f"/incidents/{world[0].pk}/"), warm=True).status_code == 200


def test_responder_page(world, client, dispatcher):
    unit = _free_units(1)[0]
    services.assignment_create(actor=dispatcher, incident_id=world[0].pk, resource_ids=[unit.pk])
    crew = Responder.objects.filter(resource=unit).first().user
    client.force_login(crew)
    client.get("/api/v1/me/")
    assert check("responder page", lambda: client.get("/incidents/responder/"), warm=True).status_code == 200


def test_each_layer(world, client, viewer):
    client.force_login(viewer)
    client.get("/api/v1/me/")
    for name in layers.all_layers():
        assert check(f"layer {name}", lambda name=name: client.get(f"/api/v1/layers/{name}/"),
                     warm=True).status_code == 200
