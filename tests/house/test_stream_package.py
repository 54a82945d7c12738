"""The live stream is one package (stream/, issue 23.1): core no longer imports Channels, and
audiences are a registry each app fills from its own audiences.py, read by the hub in one query."""

import ast
import pathlib

import pytest
from django.db.models import F

import stream
from stream import audiences
from stream.hub import audiences_for, load_accounts

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _imports(path):
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module


def test_core_imports_no_channels_and_the_shell_keeps_only_the_asgi_entry_point():
    for path in (ROOT / "core").rglob("*.py"):
        for name in _imports(path):
            assert name.split(".")[0] not in ("channels", "daphne", "twisted"), f"{path}: imports {name}"
    for gone in ("command/streamhub.py", "command/consumers.py", "command/wsauth.py", "core/stream.py"):
        assert not (ROOT / gone).exists(), gone
    asgi = set(_imports(ROOT / "command" / "asgi.py"))
    assert asgi == {"os", "django.core.asgi", "channels.routing", "stream.routing"}, asgi


def test_the_audiences_of_today_are_declared_by_the_apps_that_know_who_belongs():
    declared = {name: a.module for name, a in audiences.registered().items()}
    assert declared == {"user": "stream.audiences", "console": "stream.audiences", "unit": "resources.audiences",
                        "duty": "plans.audiences", "safety": "safety.audiences",
                        "enterprise": "safety.audiences"}
    assert {stream.CONSOLE, stream.DUTY, stream.SAFETY} == audiences.fixed()


@pytest.fixture
def staff_audience():
    """A new audience, declared the way an app's audiences.py would (one call)."""
    audiences.register("staffroom", columns=lambda now: {"staffroom_member": F("is_staff")},
                       member=lambda user: user.staffroom_member, doc="test only")
    yield
    audiences._AUDIENCES.pop("staffroom")


@pytest.mark.django_db
def test_a_new_audience_is_one_registration_and_costs_no_query_of_its_own(
        staff_audience, make_user, django_assert_num_queries):
    staff, other = make_user("h_staff", "dispatcher"), make_user("h_other", "dispatcher")
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    assert stream.joinable("staffroom") and not stream.joinable("staffroom:1")
    with django_assert_num_queries(1):
        heard = audiences_for(staff)
    assert "staffroom" in heard and stream.CONSOLE in heard
    assert "staffroom" not in audiences_for(other)
    with django_assert_num_queries(1):  # the hub's re-check of many users: still one query without credentials
        accounts = load_accounts([staff.pk, other.pk])
    assert "staffroom" in accounts[staff.pk].audiences and "staffroom" not in accounts[other.pk].audiences


def test_an_audience_name_declared_from_two_modules_is_refused():
    with pytest.raises(ValueError, match="already declared in plans.audiences"):
        audiences.register("duty", member=lambda user: True)
    with pytest.raises(ValueError, match="lower-case ASCII"):
        audiences.register("Duty:x", member=lambda user: True)
