from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    """Park monitoring: points on risk sources, readings, the alarm engine, the MQTT ingester."""

    name = "monitoring"
    verbose_name = _("Park monitoring")

    def ready(self):
        # The release model (hazards, incidents: below monitoring) takes the masts' latest wind
        # through core.weather, the one door from below (issue 27).
        from core import weather as core_weather
        from monitoring import weather

        core_weather.register(weather.latest)
