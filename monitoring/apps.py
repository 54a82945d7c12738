from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    """Park monitoring: points on risk sources, readings, the alarm engine, the MQTT ingester."""

    name = "monitoring"
    verbose_name = _("Park monitoring")
