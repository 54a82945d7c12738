"""The event registry (core.events): every type declared once, emitted only when declared,
and only to audiences a socket joins (stream.audiences; docs/architecture.md, "Events")."""

import ast
import inspect
import pathlib
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

import stream
from core import events
from core.models import Event

ROOT = pathlib.Path(__file__).resolve().parents[2]
APPS = [p.parent.name for p in ROOT.glob("*/apps.py")]


def test_every_app_type_is_declared_with_an_audience_rule_and_a_payload_builder():
    declared = {name: t for name, t in events.all_types().items() if t.doc != "test only"}
    for name in ["incident.created", "incident.updated", "assignment.created", "assignment.updated",
                 "assignment.escalated", "resource.updated", "activation.created", "activation.updated",
                 "task.created", "task.updated", "handover.created", "handover.confirmed", "zone.created",
                 "alert.issued", "alert.updated", "alert.cancelled"]:
        assert name in declared, name
    for event_type in declared.values():
        assert "." in event_type.name and event_type.doc, event_type
        assert callable(events._resolve(event_type.audiences)) and callable(events._resolve(event_type.payload))
        assert event_type.module.endswith(".events"), f"{event_type.name} is declared outside an events.py"


def test_a_name_declared_from_two_modules_is_refused():
    with pytest.raises(ValueError, match="already declared"):
        events.register("incident.created", audiences=lambda i: [stream.CONSOLE], payload=lambda i: {})


def _emit_calls():
    """Every stream.emit / stream.publish call in the apps' code, with its file."""
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                        and node.func.attr in ("emit", "publish") \
                        and isinstance(node.func.value, ast.Name) and node.func.value.id == "stream":
                    yield path.relative_to(ROOT), node


def test_services_emit_only_declared_types_through_the_registry():
    found = list(_emit_calls())
    assert found, "no emit found: the scan is broken"
    for path, call in found:
        assert path.name in ("services.py", "tasks.py") or path.parent.name == "services", \
            f"{path}:{call.lineno}: only services emit stream events"
        for keyword in call.keywords:
            if keyword.arg == "type" and isinstance(keyword.value, ast.Constant):
                events.declared(keyword.value.value)
            if keyword.arg == "audiences":
                for element in ast.walk(keyword.value):
                    assert not (isinstance(element, ast.Constant) and isinstance(element.value, str)), \
                        f"{path}:{call.lineno}: a hand-written audience; use stream's constants"


@pytest.mark.django_db(transaction=True)
def test_emit_refuses_an_unregistered_type():
    with pytest.raises(events.UnregisteredEvent, match="not registered"), transaction.atomic():
        stream.emit(audiences=[stream.CONSOLE], type="incident.exploded", payload={})
    with pytest.raises(events.UnregisteredEvent), transaction.atomic():
        stream.publish("nothing.happened")
    assert not Event.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("audience", ["incident:1", "Console", "unit:abc", "unit:١", "user:", "everyone", ""])
def test_emit_refuses_an_audience_no_consumer_joins(audience):
    with pytest.raises(ValueError, match="no consumer joins"), transaction.atomic():
        stream.emit(audiences=[stream.CONSOLE, audience], type="incident.updated", payload={})
    assert not Event.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_every_joinable_audience_kind_is_joined_by_some_user(demo, commander, make_user):
    """Every registered audience is joined by some user, through the hub's one query."""
    from plans.models import DutyPost, Shift
    from resources.models import Responder
    from stream.audiences import fixed, kinds
    from stream.hub import audiences_for

    now = timezone.now()
    Shift.objects.create(post=DutyPost.objects.first(), person=commander, start=now - timedelta(hours=1),
                         end=now + timedelta(hours=1))
    assert Responder.objects.filter(resource__isnull=False).exists()

    def audiences(user):
        result = audiences_for(user)
        if inspect.isawaitable(result):
            result = async_to_sync(lambda: result)()
        return result

    from django.apps import apps

    from core import roles
    from hazards.models import Enterprise

    # Someone of every role, responders with a unit, and (if the safety ledger is installed) an
    # enterprise's safety officer.
    for role in roles.ROLE_LABELS:
        make_user(f"house_{role}", role)
    if apps.is_installed("safety"):
        membership = apps.get_model("safety", "EnterpriseMembership")
        membership.objects.create(user=make_user("house_member", roles.ENTERPRISE_OFFICER),
                                  enterprise=Enterprise.objects.first())
    joined = set().union(*(audiences(user) for user in get_user_model().objects.all()))
    assert all(stream.joinable(a) for a in joined)
    joined_kinds = {a if a in fixed() else a.split(":")[0] for a in joined}
    assert joined_kinds == set(fixed()) | set(kinds())
    assert {"console", "duty", "safety"} <= fixed() and {"user", "unit", "enterprise"} <= kinds()
