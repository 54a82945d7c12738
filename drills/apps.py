from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DrillsConfig(AppConfig):
    name = "drills"
    verbose_name = _("Drills and after-action review")

    def ready(self):
        # drills' parts of an incident's after-action review (source alarms, plan activations and
        # tasks, public warnings, findings), registered in incidents.after_action's registry.
        from drills import report_sections  # noqa: F401
