from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender, **kwargs):
    from django.contrib.auth.models import Group, Permission

    from resources.roles import sync_roles

    sync_roles(Group, Permission)


class CommandConfig(AppConfig):
    name = "command"
    verbose_name = _("Command centre")

    def ready(self):
        # After every migrate, so roles pick up permissions of models added later.
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="command.sync_roles")
