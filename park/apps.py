from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParkConfig(AppConfig):
    name = "park"
    verbose_name = _("Closed park management")

    def ready(self):
        # Hooks into apps below (they never import this one): the ingester's MQTT topics
        # park/gates/+ and park/vehicles/+, import_gis's targets, the people a release's
        # threat zones hold.
        from park import hooks

        hooks.install()
