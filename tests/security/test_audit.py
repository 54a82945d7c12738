"""The audit trail: who changed what, when, from what to what; and nobody can rewrite it."""

import datetime as dt
import json

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.authtoken.models import Token

from incidents.models import Assignment, Incident
from plans.models import Activation, Plan, Shift, Task
from tests.security.conftest import client_for

pytestmark = pytest.mark.django_db


def _changes(record):
    delta = record.diff_against(record.prev_record)
    return {c.field: (c.old, c.new) for c in delta.changes}


def test_an_incident_change_on_the_console_records_who_when_before_after(world):
    incident, officer = world["incident"], world["users"]["duty_officer"]
    before = timezone.now()
    response = client_for("duty_officer", world).post(
        f"/incidents/{incident.pk}/change/", {"action": "severity", "severity": "I", "reason": "spreading"})
    assert response.status_code == 302
    record = Incident.history.filter(id=incident.pk).latest("history_date")
    assert record.history_user == officer
    assert record.history_date >= before
    assert _changes(record)["severity"] == ("III", "I")
    entry = incident.timeline.get(kind="severity")
    # The timeline keeps both sides too (the old one as its display numeral, reported to the lead).
    assert entry.actor == officer and entry.data["new"] == "I" and entry.data["old"] in ("III", "Ⅲ")


def test_an_acknowledgement_through_the_token_api_records_the_responder(world):
    assignment, crew = world["assignment"], world["users"]["responder"]
    token = Token.objects.create(user=crew).key
    response = client_for("anonymous", world).post(f"/api/v1/assignments/{assignment.pk}/acknowledge/",
                                                   HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200
    record = Assignment.history.filter(id=assignment.pk).latest("history_date")
    assert record.history_user == crew
    assert _changes(record)["status"] == ("pending", "acknowledged")
    created = Assignment.history.filter(id=assignment.pk).earliest("history_date")
    assert created.history_type == "+"


def test_a_plan_activation_and_its_tasks_record_the_commander(world):
    commander = world["users"]["commander"]
    response = client_for("commander", world).post(f"/plans/incidents/{world['incident'].pk}/activate/",
                                                   {"plan": world["plan"].pk, "level": "III"})
    assert response.status_code == 302
    activation = world["activation"]
    record = Activation.history.filter(id=activation.pk).latest("history_date")
    assert record.history_user == commander and _changes(record)["level"] == ("IV", "III")
    new_tasks = Task.history.filter(activation_id=activation.pk, history_type="+", history_user=commander)
    assert new_tasks.exists()


def test_a_roster_import_records_the_planner_on_each_shift(world):
    planner = world["users"]["planner"]
    start = timezone.localtime(timezone.now() + dt.timedelta(days=30)).replace(hour=8, minute=0)
    csv = f"post,username,start,end\nDUTY,sec_dispatcher,{start:%Y-%m-%d %H:%M},{start + dt.timedelta(hours=8):%Y-%m-%d %H:%M}\n"
    response = client_for("planner", world).post(
        "/plans/duty/import/", {"file": SimpleUploadedFile("r.csv", csv.encode(), content_type="text/csv")})
    assert response.status_code == 302
    shift = Shift.objects.get(person=world["users"]["dispatcher"], start__gte=timezone.now() + dt.timedelta(days=29))
    record = shift.history.get()
    assert record.history_user == planner and record.history_type == "+"


def test_a_plan_edit_in_the_admin_records_the_planner(world, make_user):
    plan = Plan.objects.create(code="DRAFT-1", title="草稿预案", kind=Plan.Kind.SPECIAL, status=Plan.Status.DRAFT)
    planner = world["users"]["planner"]
    client = client_for("planner", world)
    page = client.get(f"/admin/plans/plan/{plan.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None:
            continue
        if isinstance(value, list | tuple):
            data[name] = [getattr(v, "pk", v) for v in value]
        else:
            data[name] = getattr(value, "pk", value)
    data["title"] = "修订后的预案"
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management.initial.get(name, 0)
    response = client.post(f"/admin/plans/plan/{plan.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    record = Plan.history.filter(id=plan.pk).latest("history_date")
    assert record.history_user == planner
    assert _changes(record)["title"] == ("草稿预案", "修订后的预案")


def test_history_cannot_be_changed_or_reverted_through_the_application(world, admin_client):
    incident = world["incident"]
    client_for("duty_officer", world).post(f"/incidents/{incident.pk}/change/",
                                           {"action": "severity", "severity": "II", "reason": "worse"})
    first = Incident.history.filter(id=incident.pk).earliest("history_date")
    count = Incident.history.filter(id=incident.pk).count()
    # Reading the history is fine;
    assert admin_client.get(f"/admin/incidents/incident/{incident.pk}/history/").status_code == 200
    assert admin_client.get(
        f"/admin/incidents/incident/{incident.pk}/history/{first.history_id}/").status_code == 200
    # reverting to an old version, even as a superuser, is refused and changes nothing.
    response = admin_client.post(f"/admin/incidents/incident/{incident.pk}/history/{first.history_id}/",
                                 {"severity": "III", "_change_history": "1"})
    assert response.status_code == 403
    incident.refresh_from_db()
    assert incident.severity == "II"
    assert Incident.history.filter(id=incident.pk).count() == count
    # No historical model has an admin of its own, and no API route writes one.
    assert not [m for m in admin.site._registry if m.__name__.startswith("Historical")]
    from django.urls import get_resolver

    assert "history" not in json.dumps([str(p.pattern) for p in get_resolver().url_patterns if "api" in str(p.pattern)])


def test_timeline_entries_are_read_only_in_the_admin(world, admin_client):
    incident = world["incident"]
    page = admin_client.get(f"/admin/incidents/incident/{incident.pk}/change/")
    assert page.status_code == 200
    inline = next(f for f in page.context["inline_admin_formsets"] if f.opts.model.__name__ == "TimelineEntry")
    assert not inline.has_add_permission and not inline.formset.can_delete
    assert set(inline.opts.fields) <= set(inline.opts.readonly_fields)
