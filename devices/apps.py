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
        from safety import colour_inputs

        sources.install()
        # Calibration overdue is an input of the enterprise's colour (safety computes it).
        colour_inputs.register("calibration", count=selectors.calibration_overdue_count,
                               text=_("%(n)d detector(s) past their calibration date (JJG 693): "
                                      "their readings are doubtful"))
