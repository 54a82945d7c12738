from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class StreamConfig(AppConfig):
    """The live stream: the event log, the doorbell, the hub, the websocket (stream/__init__.py).
    It imports no app: apps register their audiences in <app>/audiences.py."""

    name = "stream"
    verbose_name = _("Live stream")

    def ready(self):
        autodiscover_modules("audiences")
