from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResourcesConfig(AppConfig):
    name = "resources"
    verbose_name = _("Resources")

    def ready(self):
        # Connected here rather than in events.py, which services import: no import loop.
        from django.contrib.auth.signals import user_logged_out

        from resources import tracking  # noqa: F401  registers the resource:<id> position subject
        from resources.services import session_end_on_logout

        user_logged_out.connect(session_end_on_logout, dispatch_uid="resources.session_end_on_logout")
