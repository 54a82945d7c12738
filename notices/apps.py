from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    """Contacts, groups, notices and their receipts, and the channels that carry them (app stream,
    SMS gateway, voice). It sits just above core: every flow that must reach people (incidents,
    monitoring, plans, alerts) calls it, so it imports none of them."""

    name = "notices"
    verbose_name = _("Notices and contacts")

    def ready(self):
        # Apps above register who their recipients are (a duty post's officers, a unit's crew, a
        # point's responsible persons) and what a notice step writes on an incident's timeline
        # in <app>/recipients.py (notices.registry), without notices importing them.
        autodiscover_modules("recipients")
