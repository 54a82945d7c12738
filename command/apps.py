from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommandConfig(AppConfig):
    """The project shell: settings, urls, the websocket consumer, pages, map, demo loader."""

    name = "command"
    verbose_name = _("Command centre")

    def ready(self):
        from command import gis_forms

        gis_forms.install()
