import os
import subprocess
import sys

import pytest
from django.contrib.auth.models import Group

from core import roles


def _django_setup(env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    env.update(env_overrides)
    env["DJANGO_SETTINGS_MODULE"] = "command.settings"
    return subprocess.run([sys.executable, "-c", "import django; django.setup()"], env=env,
                          capture_output=True, text=True, timeout=60)


def test_production_without_secret_key_refuses_to_start():
    result = _django_setup({"DEBUG": "0"})
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_with_secret_key_starts():
    result = _django_setup({"DEBUG": "0", "SECRET_KEY": "x" * 60})
    assert result.returncode == 0, result.stderr


def test_malformed_boolean_setting_is_named():
    result = _django_setup({"DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


@pytest.mark.django_db
def test_every_role_is_a_group_with_its_permissions():
    for role, perms in roles.ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role)
        held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}
        assert set(perms) <= held, f"{role} lacks {set(perms) - held}"


@pytest.mark.django_db
def test_responder_cannot_change_incidents_and_dispatcher_can(make_user):
    responder = make_user("r", roles.RESPONDER)
    dispatcher = make_user("d", roles.DISPATCHER)
    assert not responder.has_perm("incidents.change_incident")
    assert dispatcher.has_perm("incidents.add_assignment")
    assert roles.has_role(dispatcher, roles.DISPATCH_ROLES)
    assert not roles.has_role(responder, roles.CONSOLE_ROLES)


@pytest.mark.django_db
def test_login_page_and_logout(client, duty_officer):
    page = client.get("/login/")
    assert page.status_code == 200
    assert 'name="username"' in page.content.decode()
    assert client.post("/login/", {"username": "duty_t", "password": "wrong"}).status_code == 200
    response = client.post("/login/", {"username": "duty_t", "password": "test-pass-123"})
    assert response.status_code == 302
    assert client.get("/").status_code == 302
    client.post("/logout/")
    assert client.get("/incidents/").status_code == 302  # back to the login page


@pytest.mark.django_db
def test_planner_keeps_the_chemical_park_register_in_the_admin(client, planner):
    client.force_login(planner)
    for url in ("/admin/hazards/risksource/", "/admin/hazards/chemical/", "/admin/plans/plan/",
                "/admin/resources/resource/"):
        assert client.get(url).status_code == 200, url
