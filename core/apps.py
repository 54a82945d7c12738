from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender, **kwargs):
    # post_migrate is sent once per app, and each app's permissions are created by its own
    # send; only after the last app's send do all permissions exist to hand to the roles.
    if sender is not list(apps.get_app_configs())[-1]:
        return
    from django.contrib.auth.models import Group, Permission

    from core.roles import sync_roles

    sync_roles(Group, Permission)


class CoreConfig(AppConfig):
    """What every app builds on: the event log's tables and the registries (event types, map
    layers, panels), domain errors, API base classes, roles. It imports no other app of the
    project, and not Channels (the live stream is the `stream` app)."""

    name = "core"
    verbose_name = _("Core")

    def ready(self):
        post_migrate.connect(_sync_roles, dispatch_uid="core.sync_roles")
        # Each app declares its stream event types in <app>/events.py, its map layers in
        # <app>/layers.py and its panels on other apps' pages in <app>/panels.py
        # (docs/architecture.md); importing them registers them.
        autodiscover_modules("events", "layers", "panels")
