from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "exchange"
    verbose_name = _("双重预防 exchange")

    def ready(self):
        # The supervisor's overview (oversight) lists connected systems whose sync went stale.
        from exchange import overview  # noqa: F401
