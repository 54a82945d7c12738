from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevicesConfig(AppConfig):
    """The park's IoT devices (物联网设备统一管理): identities on the broker, bindings to points,
    calibration. Sits above monitoring and safety; tells monitoring who may send what through
    monitoring.sources (monitoring may not import this app)."""

    name = "devices"
    verbose_name = _("IoT devices")

    def ready(self):
        from devices import selectors, sources
        from safety import selectors as safety_selectors

        sources.install()
        # Calibration overdue is an input of the enterprise's colour (safety computes it).
        safety_selectors.colour_counters["calibration_overdue"] = selectors.calibration_overdue_count
