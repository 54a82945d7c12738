"""Shared fixtures: named role users and the demo district, on real PostGIS and Redis."""

import os

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from resources import roles

# Playwright's sync API runs an event loop in the main thread; Django then refuses ORM
# calls from that thread unless told the loop is not ours.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "test-pass-123"


@pytest.fixture
def make_user(db):
    def _make(username, *role_names, staff=False):
        user = get_user_model().objects.create_user(username=username, password=PASSWORD, is_staff=staff)
        for role in role_names:
            user.groups.add(Group.objects.get(name=role))
        return user

    return _make


@pytest.fixture
def duty_officer(make_user):
    return make_user("duty_t", roles.DUTY_OFFICER)


@pytest.fixture
def dispatcher(make_user):
    return make_user("dispatcher_t", roles.DISPATCHER)


@pytest.fixture
def commander(make_user):
    return make_user("commander_t", roles.COMMANDER)


@pytest.fixture
def planner(make_user):
    return make_user("planner_t", roles.PLANNER, staff=True)


@pytest.fixture
def viewer(make_user):
    return make_user("viewer_t", roles.VIEWER)


@pytest.fixture
def outsider(make_user):
    """Logged in, but with no role at all."""
    return make_user("outsider_t")


@pytest.fixture
def demo(db):
    from command import demo as demo_module

    demo_module.load()
    return demo_module
