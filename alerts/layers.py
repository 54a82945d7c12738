"""How the console map presents public warnings in force (core.layers). The layer itself is
served by alerts.api.AlertLayer (command/layer_urls.py), so only its presentation is registered."""

from django.utils.translation import gettext_lazy as _

from alerts.models import Level
from core import layers

WARNING_LEVELS = [("red", "#d7191c", _("Red")), ("orange", "#f07c00", _("Orange")),
                  ("yellow", "#f5c400", _("Yellow")), ("blue", "#2b83ba", _("Blue"))]

layers.present("alerts", label=_("Public warnings in force"), legend=layers.legend("level", WARNING_LEVELS), shown=True,
               order=90, refresh_on=["alert."], script="alerts/map_layers.js", words={"alert_level": Level.choices})
