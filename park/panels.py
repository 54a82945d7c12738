"""The park's script on the shell's pages (core.panels.register_script): gate and vehicle alarms
ring beside monitoring's alarm bar (park/static/park/park_alarms.js, markup #park-alarm-bar)."""

from core import panels

panels.register_script("park-alarms", path="park/park_alarms.js", when=lambda page: bool(page.get("alarm_bar")),
                       order=55)
