from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResourcesConfig(AppConfig):
    name = "resources"
    verbose_name = _("Resources")

    def ready(self):
        # Connected here rather than in events.py, which services import: no import loop.
        from django.contrib.auth.signals import user_logged_out

        from resources import positions
        from resources.services import UNIT_SUBJECT, session_end_on_logout, unit_positions_store

        positions.register_subject(UNIT_SUBJECT, unit_positions_store)

        user_logged_out.connect(session_end_on_logout, dispatch_uid="resources.session_end_on_logout")
