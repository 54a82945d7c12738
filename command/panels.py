"""The shell's own scripts on its pages (core.panels.register_script; base.html places them).

Other apps register theirs in their own panels.py: monitoring the alarm bar, park the gate and
vehicle alarms, safety the overdue hidden-danger banner."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core import panels


def _sounds(page) -> bool:
    return bool(page.get("alarm_bar") or page.get("is_console") or page.get("is_responder"))


def _streamed(page) -> bool:
    return page.get("stream_since") is not None


def _console_streamed(page) -> bool:
    return bool(page.get("is_console")) and _streamed(page)


def _console_keys(page) -> dict:
    return {"new-url": reverse("incidents:new") if page.get("can_intake") else "",
            "help": _("Keys: Alt+N new incident · Alt+D dispatch · Alt+F find a unit · Alt+A acknowledge banners · "
                      "Alt+P print")}


panels.register_script("ui", path="command/ui.js", order=0)
panels.register_script("forms", path="command/forms.js", order=1)
panels.register_script("sound", path="core/sound.js", when=_sounds, element_id="command-sound", order=10, data={
    "off": _("Enable sound"), "on": _("Sound on"),
    "blocked": _("Sound is on, but this browser waits for a tap: tap anywhere on the page to resume sound and "
                 "vibration.")})
panels.register_script("stream", path="stream/stream.js", when=_streamed, order=20)
panels.register_script("live-alerts", path="command/live_alerts.js", when=_console_streamed, order=30)
panels.register_script("console-keys", path="command/console_keys.js", when=lambda page: bool(page.get("is_console")),
                       element_id="console-keys", data=_console_keys, order=90)
