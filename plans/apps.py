from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender, **kwargs):
    from django.contrib.auth.models import Group, Permission

    from resources.roles import sync_roles

    sync_roles(Group, Permission)


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = _("Contingency plans and duty")

    def ready(self):
        # command syncs roles after its own migrate, before this app's permissions exist on a
        # fresh database; sync again once they do, so planners hold their plan permissions.
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="plans.sync_roles")
